#include "infrastructure/grpc/proto_mapping.h"

#include <chrono>
#include <string>

namespace tastesync::infrastructure::grpc_adapter {
namespace {

using domain::ErrorCode;
using domain::fail;

// 1970..2100: wide enough for any real clock, narrow enough that converting
// to nanoseconds cannot overflow.
constexpr std::int64_t kLatestSeconds = 4102444800;

domain::Result<domain::Timestamp> from_proto(const google::protobuf::Timestamp& at, const std::string& field) {
  if (at.seconds() < 0 || at.seconds() > kLatestSeconds || at.nanos() < 0 || at.nanos() > 999999999) {
    return fail(ErrorCode::kInvalidArgument, "observed_at must be a valid time between 1970 and 2100", field);
  }
  const auto since_epoch = std::chrono::seconds(at.seconds()) + std::chrono::nanoseconds(at.nanos());
  return domain::Timestamp(std::chrono::duration_cast<domain::Clock::duration>(since_epoch));
}

v1::ZoneKind to_proto(domain::ZoneKind kind) { return kind == domain::ZoneKind::kEntrance ? v1::ENTRANCE : v1::TABLE; }

}  // namespace

domain::Result<domain::Timestamp> timestamp_from_proto(const google::protobuf::Timestamp& at,
                                                       const std::string& field) {
  return from_proto(at, field);
}

domain::Result<application::IdentifyRequest> from_proto(const v1::IdentifyRequest& request) {
  application::IdentifyRequest out;
  out.request_id = request.request_id();
  if (request.has_table_qr()) out.table_qr = request.table_qr();
  if (request.has_beacons()) {
    const auto& sightings = request.beacons().sightings();
    out.sightings.reserve(static_cast<std::size_t>(sightings.size()));
    for (int i = 0; i < sightings.size(); ++i) {
      const v1::BeaconSighting& s = sightings[i];
      application::SightingReport report;
      report.uuid = s.uuid();
      report.major = s.major();
      report.minor = s.minor();
      report.rssi = s.rssi();
      if (s.has_tx_power()) report.tx_power = s.tx_power();
      if (s.has_observed_at()) {
        auto at = from_proto(s.observed_at(), "sightings[" + std::to_string(i) + "].observed_at");
        if (!at) return std::unexpected(at.error());
        report.observed_at = *at;
      }
      out.sightings.push_back(std::move(report));
    }
  }
  return out;
}

void to_proto(const application::IdentifyResponse& response, v1::IdentifyResponse& out) {
  out.set_customer_id(response.customer_id);
  v1::Location* location = out.mutable_location();
  location->set_store_id(response.location.store_id);
  location->set_zone_id(response.location.zone_id);
  location->set_zone_kind(to_proto(response.location.zone_kind));
  location->set_table_label(response.location.table_label);
  out.set_confidence(response.confidence);
  out.set_location_changed(response.location_changed);
  for (const std::string& id : response.event_ids) out.add_event_ids(id);
}

}  // namespace tastesync::infrastructure::grpc_adapter
