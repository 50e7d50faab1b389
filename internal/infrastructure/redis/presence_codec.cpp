#include "infrastructure/redis/presence_codec.h"

#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr char kMagic = 'P';
// Format 1: no zone belief. Format 2: a zone belief follows the tracks.
// Records without a belief are still written as format 1, so instances that
// only read format 1 keep reading them during a rolling upgrade.
constexpr std::uint8_t kFormatWithoutBelief = 1;
constexpr std::uint8_t kFormatWithBelief = 2;
// A belief has two weights per zone and a store at most 500 zones.
constexpr std::uint32_t kMaxBeliefWeights = 1000;
// The fewest bytes a track can take (empty zone id), to reject a track
// count the value cannot hold before reserving memory for it.
constexpr std::size_t kMinTrackSize = 16 + 2 + 2 + 4 + 8 + 4 + 8 + 8 + 4 + 1;

std::int64_t nanos(domain::Timestamp at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

class Writer {
 public:
  template <typename T>
  void integer(T value) {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    auto bits = static_cast<U>(value);
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      out_.push_back(static_cast<char>(bits & 0xFF));
      bits = static_cast<U>(bits >> 8);
    }
  }
  bool real(double value) {
    if (!std::isfinite(value)) return false;
    integer(std::bit_cast<std::uint64_t>(value));
    return true;
  }
  void text(const std::string& value) {
    integer(static_cast<std::uint32_t>(value.size()));
    out_ += value;
  }
  void bytes(const std::uint8_t* data, std::size_t size) { out_.append(reinterpret_cast<const char*>(data), size); }
  void time(domain::Timestamp at) { integer(nanos(at)); }
  std::string take() { return std::move(out_); }
  void reserve(std::size_t size) { out_.reserve(size); }

 private:
  std::string out_;
};

// Every read checks what is left; the first failure sticks, so a decoder
// reads straight through and checks ok() once at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  template <typename T>
  T integer() {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    if (!take(sizeof(T))) return T{};
    U bits = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      bits = static_cast<U>(
          bits | static_cast<U>(static_cast<U>(static_cast<unsigned char>(in_[at_ - sizeof(T) + i])) << (8 * i)));
    }
    return static_cast<T>(bits);
  }
  double real() {
    const double value = std::bit_cast<double>(integer<std::uint64_t>());
    if (!std::isfinite(value)) ok_ = false;
    return value;
  }
  bool flag() {
    const auto value = integer<std::uint8_t>();
    if (value > 1) ok_ = false;
    return value == 1;
  }
  std::string text() {
    const auto size = integer<std::uint32_t>();
    if (!take(size)) return {};
    return std::string(in_.substr(at_ - size, size));
  }
  void bytes(std::uint8_t* out, std::size_t size) {
    if (take(size)) std::memcpy(out, in_.data() + at_ - size, size);
  }
  domain::Timestamp time() {
    return domain::Timestamp(
        std::chrono::duration_cast<domain::Clock::duration>(std::chrono::nanoseconds(integer<std::int64_t>())));
  }
  void invalid() { ok_ = false; }
  std::size_t remaining() const { return in_.size() - at_; }
  bool ok() const { return ok_; }
  bool at_end() const { return at_ == in_.size(); }

 private:
  bool take(std::size_t size) {
    if (!ok_ || size > remaining()) {
      ok_ = false;
      return false;
    }
    at_ += size;
    return true;
  }

  std::string_view in_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

domain::Result<std::string> encode_presence(const domain::PresenceRecord& record) {
  Writer w;
  w.reserve(128 + record.resolver.tracks.size() * 64);
  bool finite = true;
  const domain::ZoneBelief& belief = record.resolver.belief;
  if (belief.weights.size() > kMaxBeliefWeights) {
    return fail(ErrorCode::kInternal, "cannot encode presence: zone belief of " +
                                          std::to_string(belief.weights.size()) + " weights is too large");
  }
  w.integer(static_cast<std::uint8_t>(kMagic));
  w.integer(belief.empty() ? kFormatWithoutBelief : kFormatWithBelief);
  w.integer(static_cast<std::uint8_t>(record.presence ? 1 : 0));
  if (const auto& p = record.presence) {
    w.text(p->visit_id);
    w.text(p->store_id);
    w.text(p->zone_id);
    w.integer(static_cast<std::uint8_t>(p->zone_kind == domain::ZoneKind::kTable ? 1 : 0));
    w.time(p->visit_started_at);
    w.time(p->zone_since);
    w.time(p->last_seen);
  }
  const domain::ResolverState& r = record.resolver;
  w.text(r.store_id);
  w.text(r.incumbent_zone_id);
  w.text(r.challenger_zone_id);
  finite &= w.real(r.challenger_evidence);
  w.integer(static_cast<std::int32_t>(r.challenger_streak));
  w.integer(static_cast<std::int32_t>(r.incumbent_tenure));
  finite &= w.real(r.incumbent_dominance);
  w.integer(static_cast<std::uint32_t>(r.tracks.size()));
  for (const domain::BeaconTrack& t : r.tracks) {
    w.bytes(t.beacon.uuid.bytes().data(), t.beacon.uuid.bytes().size());
    w.integer(t.beacon.major);
    w.integer(t.beacon.minor);
    w.text(t.zone_id);
    finite &= w.real(t.filtered_rssi);
    w.integer(static_cast<std::int32_t>(t.samples));
    w.time(t.last_seen);
    finite &= w.real(t.evidence);
    w.integer(static_cast<std::int32_t>(t.streak));
    w.integer(static_cast<std::uint8_t>(t.fresh ? 1 : 0));
  }
  if (!belief.empty()) {
    w.integer(belief.layout);
    w.time(belief.updated_at);
    w.integer(static_cast<std::uint32_t>(belief.weights.size()));
    for (const std::uint16_t weight : belief.weights) w.integer(weight);
  }
  // Refused rather than stored: a reader would reject the record, and the
  // customer's state would be stuck until it expired.
  if (!finite) return fail(ErrorCode::kInternal, "cannot encode presence: resolver state holds a non-finite number");
  return w.take();
}

domain::Result<domain::PresenceRecord> decode_presence(std::string_view value) {
  Reader in(value);
  if (in.integer<std::uint8_t>() != static_cast<std::uint8_t>(kMagic)) {
    return fail(ErrorCode::kInternal, "corrupt presence record in redis: not a presence value");
  }
  const auto format = in.integer<std::uint8_t>();
  if (format != kFormatWithoutBelief && format != kFormatWithBelief) {
    return fail(ErrorCode::kInternal, "corrupt presence record in redis: unknown format " + std::to_string(format) +
                                          " (written by a newer version?)");
  }
  domain::PresenceRecord record;
  if (in.flag()) {
    domain::Presence& p = record.presence.emplace();
    p.visit_id = in.text();
    p.store_id = in.text();
    p.zone_id = in.text();
    const auto kind = in.integer<std::uint8_t>();
    if (kind > 1) in.invalid();
    p.zone_kind = kind == 1 ? domain::ZoneKind::kTable : domain::ZoneKind::kEntrance;
    p.visit_started_at = in.time();
    p.zone_since = in.time();
    p.last_seen = in.time();
  }
  domain::ResolverState& r = record.resolver;
  r.store_id = in.text();
  r.incumbent_zone_id = in.text();
  r.challenger_zone_id = in.text();
  r.challenger_evidence = in.real();
  r.challenger_streak = in.integer<std::int32_t>();
  r.incumbent_tenure = in.integer<std::int32_t>();
  r.incumbent_dominance = in.real();
  const auto tracks = in.integer<std::uint32_t>();
  if (!in.ok() || tracks > in.remaining() / kMinTrackSize) {
    return fail(ErrorCode::kInternal, "corrupt presence record in redis: truncated or bad track count");
  }
  r.tracks.resize(tracks);
  for (domain::BeaconTrack& t : r.tracks) {
    std::array<std::uint8_t, 16> uuid{};
    in.bytes(uuid.data(), uuid.size());
    t.beacon.uuid = domain::BeaconUuid(uuid);
    t.beacon.major = in.integer<std::uint16_t>();
    t.beacon.minor = in.integer<std::uint16_t>();
    t.zone_id = in.text();
    t.filtered_rssi = in.real();
    t.samples = in.integer<std::int32_t>();
    t.last_seen = in.time();
    t.evidence = in.real();
    t.streak = in.integer<std::int32_t>();
    t.fresh = in.flag();
  }
  if (format == kFormatWithBelief) {
    domain::ZoneBelief& belief = r.belief;
    belief.layout = in.integer<std::uint32_t>();
    belief.updated_at = in.time();
    const auto weights = in.integer<std::uint32_t>();
    if (!in.ok() || weights == 0 || weights > kMaxBeliefWeights || weights > in.remaining() / 2) {
      return fail(ErrorCode::kInternal, "corrupt presence record in redis: truncated or bad zone belief size");
    }
    belief.weights.resize(weights);
    for (std::uint16_t& weight : belief.weights) weight = in.integer<std::uint16_t>();
  }
  if (!in.ok() || !in.at_end()) {
    return fail(ErrorCode::kInternal, "corrupt presence record in redis: truncated, malformed or trailing bytes");
  }
  return record;
}

}  // namespace tastesync::infrastructure::redis
