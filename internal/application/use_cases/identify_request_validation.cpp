#include "application/use_cases/identify_request_validation.h"

#include <cstdint>
#include <cstdio>

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::fail;

std::string sighting_field(std::size_t index, const char* name) {
  return "sightings[" + std::to_string(index) + "]." + name;
}

domain::Result<domain::Sighting> validate_sighting(const SightingReport& report, std::size_t index,
                                                   domain::Timestamp now, const IdentifyLimits& limits) {
  domain::Sighting sighting;
  auto uuid = domain::BeaconUuid::parse(report.uuid);
  if (!uuid) return fail(ErrorCode::kInvalidArgument, uuid.error().message, sighting_field(index, "uuid"));
  sighting.beacon.uuid = *uuid;

  constexpr std::int64_t kMaxMajorMinor = 65535;
  if (report.major < 0 || report.major > kMaxMajorMinor) {
    return fail(ErrorCode::kInvalidArgument, "major must be 0..65535, got " + std::to_string(report.major),
                sighting_field(index, "major"));
  }
  if (report.minor < 0 || report.minor > kMaxMajorMinor) {
    return fail(ErrorCode::kInvalidArgument, "minor must be 0..65535, got " + std::to_string(report.minor),
                sighting_field(index, "minor"));
  }
  sighting.beacon.major = static_cast<std::uint16_t>(report.major);
  sighting.beacon.minor = static_cast<std::uint16_t>(report.minor);

  if (report.rssi < -127 || report.rssi > -1) {
    return fail(ErrorCode::kInvalidArgument, "rssi must be -127..-1 dBm, got " + std::to_string(report.rssi),
                sighting_field(index, "rssi"));
  }
  sighting.rssi = static_cast<int>(report.rssi);

  if (report.tx_power) {
    // iBeacon "measured power" is a signed byte of dBm at 1 m; anything above
    // +20 dBm is not a BLE radio.
    if (*report.tx_power < -127 || *report.tx_power > 20) {
      return fail(ErrorCode::kInvalidArgument, "tx_power must be -127..20 dBm, got " + std::to_string(*report.tx_power),
                  sighting_field(index, "tx_power"));
    }
    sighting.tx_power = static_cast<int>(*report.tx_power);
  }

  sighting.observed_at = report.observed_at.value_or(now);
  const auto skew = sighting.observed_at - now;
  if (skew > limits.max_clock_skew || -skew > limits.max_clock_skew) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(skew).count();
    return fail(ErrorCode::kInvalidArgument,
                "observed_at is " + std::to_string(seconds) + " s off the server's clock (at most " +
                    std::to_string(limits.max_clock_skew.count()) + " s allowed)",
                sighting_field(index, "observed_at"));
  }
  return sighting;
}

// FNV-1a, 64 bit: the fingerprint only has to tell apart bodies sent by the
// same caller under the same request_id, not resist an adversary.
class Fnv1a {
 public:
  void add(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      hash_ ^= bytes[i];
      hash_ *= 1099511628211ULL;
    }
  }
  void add(const std::string& text) {
    add_number(static_cast<std::int64_t>(text.size()));
    add(text.data(), text.size());
  }
  void add_number(std::int64_t value) { add(&value, sizeof(value)); }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 1469598103934665603ULL;
};

}  // namespace

domain::Result<void> validate_request_id(const std::string& request_id, const IdentifyLimits& limits) {
  if (request_id.empty()) {
    return fail(ErrorCode::kInvalidArgument, "request_id is required (a client-chosen idempotency key)", "request_id");
  }
  if (request_id.size() > limits.max_request_id_length) {
    return fail(ErrorCode::kInvalidArgument,
                "request_id must be at most " + std::to_string(limits.max_request_id_length) + " characters",
                "request_id");
  }
  for (const char c : request_id) {
    if (c < 0x21 || c > 0x7e) {
      return fail(ErrorCode::kInvalidArgument, "request_id must be printable ASCII without spaces", "request_id");
    }
  }
  return {};
}

domain::Result<std::vector<domain::Sighting>> validate_sightings(const std::vector<SightingReport>& reports,
                                                                 domain::Timestamp now, const IdentifyLimits& limits) {
  if (reports.empty()) {
    return fail(ErrorCode::kInvalidArgument, "at least one beacon sighting or a table_qr is required", "sightings");
  }
  if (reports.size() > limits.max_sightings) {
    return fail(ErrorCode::kInvalidArgument,
                "at most " + std::to_string(limits.max_sightings) + " sightings per request, got " +
                    std::to_string(reports.size()),
                "sightings");
  }
  std::vector<domain::Sighting> sightings;
  sightings.reserve(reports.size());
  for (std::size_t i = 0; i < reports.size(); ++i) {
    auto sighting = validate_sighting(reports[i], i, now, limits);
    if (!sighting) return std::unexpected(sighting.error());
    sightings.push_back(*sighting);
  }
  return sightings;
}

std::string fingerprint(const IdentifyRequest& request) {
  Fnv1a hash;
  hash.add(request.table_qr);
  hash.add_number(static_cast<std::int64_t>(request.sightings.size()));
  for (const SightingReport& s : request.sightings) {
    hash.add(s.uuid);
    hash.add_number(s.major);
    hash.add_number(s.minor);
    hash.add_number(s.rssi);
    hash.add_number(s.tx_power ? *s.tx_power : std::int64_t{1000});
    hash.add_number(s.observed_at ? s.observed_at->time_since_epoch().count() : std::int64_t{-1});
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash.value()));
  return text;
}

}  // namespace tastesync::application
