#include "infrastructure/redis/presence_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "infrastructure/codec/reply_codec.h"

namespace tastesync::infrastructure::redis {
namespace {

using codec::decode_reply;
using codec::encode_reply;
using domain::ErrorCode;
using std::chrono::nanoseconds;

domain::Timestamp at_nanos(std::int64_t nanos) {
  return domain::Timestamp(std::chrono::duration_cast<domain::Clock::duration>(nanoseconds(nanos)));
}

domain::BeaconTrack track(std::uint8_t seed) {
  domain::BeaconTrack t;
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(seed * 17 + i * 13);
  t.beacon.uuid = domain::BeaconUuid(bytes);
  t.beacon.major = static_cast<std::uint16_t>(65535 - seed);
  t.beacon.minor = seed;
  t.zone_id = "table-" + std::to_string(seed) + " \"quoted\" \xC3\xA9";
  t.filtered_rssi = -12.345678901234567 * (seed + 1);
  t.samples = 1000 + seed;
  t.last_seen = at_nanos(1'735'689'600'123'456'789 + seed);
  t.evidence = 1e-300 * (seed + 1);
  t.streak = -7 + seed;
  t.fresh = seed % 2 == 0;
  return t;
}

// Every field, with values that would expose truncation, rounding or a lost
// sign: full-precision doubles, nanosecond timestamps, extreme integers.
domain::PresenceRecord full_record() {
  domain::PresenceRecord record;
  domain::Presence p;
  p.visit_id = "0192f7a0-visit";
  p.store_id = "store-\n1";
  p.zone_id = "table-12";
  p.zone_kind = domain::ZoneKind::kTable;
  p.visit_started_at = at_nanos(1'735'689'600'000'000'001);
  p.zone_since = at_nanos(-5);
  p.last_seen = at_nanos(std::numeric_limits<std::int64_t>::max());
  record.presence = p;
  record.resolver.store_id = "store-1";
  record.resolver.tracks = {track(0), track(1), track(200)};
  record.resolver.incumbent_zone_id = "table-12";
  record.resolver.challenger_zone_id = "table-13";
  record.resolver.challenger_evidence = 0.1 + 0.2;
  record.resolver.challenger_streak = std::numeric_limits<int>::max();
  record.resolver.incumbent_tenure = std::numeric_limits<int>::min();
  record.resolver.incumbent_dominance = -0.0000001234;
  record.version = 42;
  return record;
}

void expect_same(const domain::BeaconTrack& a, const domain::BeaconTrack& b) {
  EXPECT_EQ(a.beacon, b.beacon);
  EXPECT_EQ(a.zone_id, b.zone_id);
  EXPECT_EQ(a.filtered_rssi, b.filtered_rssi);  // bit-exact, not approximately
  EXPECT_EQ(a.samples, b.samples);
  EXPECT_EQ(a.last_seen, b.last_seen);
  EXPECT_EQ(a.evidence, b.evidence);
  EXPECT_EQ(a.streak, b.streak);
  EXPECT_EQ(a.fresh, b.fresh);
}

void expect_same(const domain::PresenceRecord& a, const domain::PresenceRecord& b) {
  ASSERT_EQ(a.presence.has_value(), b.presence.has_value());
  if (a.presence) {
    EXPECT_EQ(a.presence->visit_id, b.presence->visit_id);
    EXPECT_EQ(a.presence->store_id, b.presence->store_id);
    EXPECT_EQ(a.presence->zone_id, b.presence->zone_id);
    EXPECT_EQ(a.presence->zone_kind, b.presence->zone_kind);
    EXPECT_EQ(a.presence->visit_started_at, b.presence->visit_started_at);
    EXPECT_EQ(a.presence->zone_since, b.presence->zone_since);
    EXPECT_EQ(a.presence->last_seen, b.presence->last_seen);
  }
  EXPECT_EQ(a.resolver.store_id, b.resolver.store_id);
  ASSERT_EQ(a.resolver.tracks.size(), b.resolver.tracks.size());
  for (std::size_t i = 0; i < a.resolver.tracks.size(); ++i) expect_same(a.resolver.tracks[i], b.resolver.tracks[i]);
  EXPECT_EQ(a.resolver.incumbent_zone_id, b.resolver.incumbent_zone_id);
  EXPECT_EQ(a.resolver.challenger_zone_id, b.resolver.challenger_zone_id);
  EXPECT_EQ(a.resolver.challenger_evidence, b.resolver.challenger_evidence);
  EXPECT_EQ(a.resolver.challenger_streak, b.resolver.challenger_streak);
  EXPECT_EQ(a.resolver.incumbent_tenure, b.resolver.incumbent_tenure);
  EXPECT_EQ(a.resolver.incumbent_dominance, b.resolver.incumbent_dominance);
  EXPECT_EQ(a.resolver.belief, b.resolver.belief);
}

TEST(PresenceCodec, RoundTripsEveryField) {
  const domain::PresenceRecord record = full_record();
  auto encoded = encode_presence(record);
  ASSERT_TRUE(encoded) << encoded.error().message;
  auto decoded = decode_presence(*encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  expect_same(record, *decoded);
  // The version lives beside the value in Redis, not inside it.
  EXPECT_EQ(decoded->version, 0u);
}

TEST(PresenceCodec, RoundTripsEntranceAndEveryFieldFlipped) {
  domain::PresenceRecord record = full_record();
  record.presence->zone_kind = domain::ZoneKind::kEntrance;
  for (auto& t : record.resolver.tracks) t.fresh = !t.fresh;
  auto decoded = decode_presence(encode_presence(record).value());
  ASSERT_TRUE(decoded);
  expect_same(record, *decoded);
}

TEST(PresenceCodec, RoundTripsAnEmptyRecord) {
  const domain::PresenceRecord empty;
  auto decoded = decode_presence(encode_presence(empty).value());
  ASSERT_TRUE(decoded) << decoded.error().message;
  expect_same(empty, *decoded);
  EXPECT_FALSE(decoded->presence);
}

TEST(PresenceCodec, RefusesToEncodeNonFiniteNumbers) {
  domain::PresenceRecord record = full_record();
  record.resolver.tracks[1].filtered_rssi = std::nan("");
  auto encoded = encode_presence(record);
  ASSERT_FALSE(encoded);
  EXPECT_EQ(encoded.error().code, ErrorCode::kInternal);

  record = full_record();
  record.resolver.challenger_evidence = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(encode_presence(record));
}

domain::PresenceRecord record_with_belief() {
  domain::PresenceRecord record = full_record();
  record.resolver.belief.layout = 0xDEADBEEF;
  record.resolver.belief.updated_at = domain::Timestamp{std::chrono::milliseconds{1'700'000'000'123}};
  record.resolver.belief.weights = {0, 1, 65535, 300, 7, 0};
  return record;
}

TEST(PresenceCodec, RoundTripsTheZoneBeliefAsFormatTwo) {
  const domain::PresenceRecord record = record_with_belief();
  auto encoded = encode_presence(record);
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ((*encoded)[1], 2);
  auto decoded = decode_presence(*encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  expect_same(record, *decoded);
}

// Records written before the belief existed (format 1) stay readable, and a
// record without a belief is still written in format 1 for older readers.
TEST(PresenceCodec, RecordsWithoutABeliefStayFormatOne) {
  const domain::PresenceRecord record = full_record();
  const std::string encoded = encode_presence(record).value();
  EXPECT_EQ(encoded[1], 1);
  auto decoded = decode_presence(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(decoded->resolver.belief.empty());
  expect_same(record, *decoded);
}

void expect_corrupt(const std::string& value);

TEST(PresenceCodec, RejectsBeliefsTheValueCannotHold) {
  const std::string encoded = encode_presence(record_with_belief()).value();
  // The weight count sits before the six u16 weights.
  const std::size_t count_at = encoded.size() - 6 * 2 - 4;
  std::string bad = encoded;
  bad[count_at] = 7;  // more weights than follow
  expect_corrupt(bad);
  bad[count_at] = 0;  // none
  expect_corrupt(bad);
  expect_corrupt(encoded.substr(0, encoded.size() - 1));

  domain::PresenceRecord huge = record_with_belief();
  huge.resolver.belief.weights.assign(1001, 0);
  EXPECT_FALSE(encode_presence(huge));
}

void expect_corrupt(const std::string& value) {
  auto decoded = decode_presence(value);
  ASSERT_FALSE(decoded) << "accepted: " << value;
  EXPECT_EQ(decoded.error().code, ErrorCode::kInternal) << value;
}

TEST(PresenceCodec, RejectsMalformedValues) {
  expect_corrupt("");
  expect_corrupt("null");
  expect_corrupt("[]");
  expect_corrupt("{}");
  expect_corrupt("\xff\xfe garbage");
  expect_corrupt("P");
  expect_corrupt(std::string("P\x01\x00", 3));
}

std::string empty_encoding() { return encode_presence(domain::PresenceRecord{}).value(); }

void put_u32(std::string& value, std::size_t at, std::uint32_t number) {
  for (std::size_t i = 0; i < 4; ++i) value[at + i] = static_cast<char>((number >> (8 * i)) & 0xFF);
}

TEST(PresenceCodec, RejectsOtherFormatsAndTrailingBytes) {
  std::string encoded = encode_presence(full_record()).value();
  std::string newer = encoded;
  newer[1] = 3;
  expect_corrupt(newer);
  std::string other = encoded;
  other[0] = '{';
  expect_corrupt(other);
  expect_corrupt(encoded + '\0');
}

TEST(PresenceCodec, RejectsOutOfRangeFlagsAndKinds) {
  std::string encoded = encode_presence(full_record()).value();
  std::string flag = encoded;
  flag[2] = 2;  // has_presence
  expect_corrupt(flag);
  const domain::PresenceRecord record = full_record();
  const domain::Presence& p = *record.presence;
  const std::size_t kind_at = 3 + 4 + p.visit_id.size() + 4 + p.store_id.size() + 4 + p.zone_id.size();
  ASSERT_EQ(encoded[kind_at], 1);  // table
  std::string kind = encoded;
  kind[kind_at] = 7;
  expect_corrupt(kind);
  std::string fresh = encoded;
  fresh.back() = 2;  // the last track's fresh flag
  expect_corrupt(fresh);
}

TEST(PresenceCodec, RejectsLengthsAndCountsTheValueCannotHold) {
  // Empty record: 'P' 1 0, three empty strings (12), f64 i32 i32 f64 (24),
  // then the track count at byte 39.
  std::string encoded = empty_encoding();
  ASSERT_EQ(encoded.size(), 43u);
  std::string count = encoded;
  put_u32(count, 39, 0xFFFFFFFFu);
  expect_corrupt(count);
  put_u32(count, 39, 1);
  expect_corrupt(count);
  std::string length = encoded;
  put_u32(length, 3, 0xFFFFFFF0u);
  expect_corrupt(length);
}

TEST(PresenceCodec, RejectsNonFiniteNumbersInTheValue) {
  std::string encoded = empty_encoding();
  const auto nan = std::bit_cast<std::uint64_t>(std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < 8; ++i) encoded[15 + i] = static_cast<char>((nan >> (8 * i)) & 0xFF);
  expect_corrupt(encoded);
}

TEST(PresenceCodec, NeverCrashesOnTruncatedOrMutatedValues) {
  const std::string encoded = encode_presence(full_record()).value();
  for (std::size_t size = 0; size < encoded.size(); ++size) expect_corrupt(encoded.substr(0, size));
  std::mt19937 random(7);
  const std::string alphabet = "{}[]\":,0123456789-.eE truefalsn\\\x01\xff";
  for (int i = 0; i < 3000; ++i) {
    std::string mutated = encoded;
    for (int edits = 0; edits < 3; ++edits) {
      mutated[random() % mutated.size()] = alphabet[random() % alphabet.size()];
    }
    auto decoded = decode_presence(mutated);  // ok or kInternal; never a crash or an exception
    if (!decoded) {
      EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
    }
  }
}

application::RememberedReply full_reply() {
  application::RememberedReply reply;
  reply.request_fingerprint =
      "sha256:\x01\x02"
      "abc";
  reply.response.customer_id = "customer-7";
  reply.response.location = {"store-1", "table-3", domain::ZoneKind::kTable, "Table 3 \xE2\x98\x95"};
  reply.response.confidence = 0.8765432109876543;
  reply.response.location_changed = true;
  reply.response.event_ids = {"ev-1", "ev-2"};
  return reply;
}

TEST(ReplyCodec, RoundTripsEveryField) {
  for (const bool table : {true, false}) {
    application::RememberedReply reply = full_reply();
    if (!table) {
      reply.response.location = {"store-1", "entrance", domain::ZoneKind::kEntrance, ""};
      reply.response.location_changed = false;
      reply.response.event_ids.clear();
    }
    auto decoded = decode_reply(encode_reply(reply).value());
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->request_fingerprint, reply.request_fingerprint);
    const auto& a = reply.response;
    const auto& b = decoded->response;
    EXPECT_EQ(a.customer_id, b.customer_id);
    EXPECT_EQ(a.location.store_id, b.location.store_id);
    EXPECT_EQ(a.location.zone_id, b.location.zone_id);
    EXPECT_EQ(a.location.zone_kind, b.location.zone_kind);
    EXPECT_EQ(a.location.table_label, b.location.table_label);
    EXPECT_EQ(a.confidence, b.confidence);
    EXPECT_EQ(a.location_changed, b.location_changed);
    EXPECT_EQ(a.event_ids, b.event_ids);
  }
}

TEST(ReplyCodec, RejectsCorruptValues) {
  const std::string encoded = encode_reply(full_reply()).value();
  for (std::size_t size = 0; size < encoded.size(); ++size) {
    auto decoded = decode_reply(encoded.substr(0, size));
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
  }
  const auto with = [&encoded](const std::string& from, const std::string& to) {
    std::string changed = encoded;
    changed.replace(changed.find(from), from.size(), to);
    return changed;
  };
  EXPECT_FALSE(decode_reply(with(R"("events":["ev-1")", R"("events":[1)")));
  EXPECT_FALSE(decode_reply(with(R"("changed":true)", R"("changed":"yes")")));
  EXPECT_FALSE(decode_reply(with(R"("fmt":1)", R"("fmt":2)")));
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
