#include "application/use_cases/identify_request_validation.h"

#include <gtest/gtest.h>

namespace tastesync::application {
namespace {

using domain::ErrorCode;

const domain::Timestamp kNow{std::chrono::seconds(1'735'689'600)};

SightingReport good() { return {"f7826da6-4fa2-4e98-8024-bc5b71e0893e", 1, 2, -60, std::nullopt, kNow}; }

domain::Error rejected(SightingReport report) {
  auto result = validate_sightings({report}, kNow, IdentifyLimits{});
  EXPECT_FALSE(result.has_value());
  return result ? domain::Error{} : result.error();
}

TEST(IdentifyRequestValidation, AcceptsAWellFormedSightingAndFillsMissingTime) {
  SightingReport report = good();
  report.observed_at.reset();
  report.tx_power = -62;
  auto result = validate_sightings({report}, kNow, IdentifyLimits{});
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].beacon.major, 1);
  EXPECT_EQ((*result)[0].beacon.minor, 2);
  EXPECT_EQ((*result)[0].rssi, -60);
  EXPECT_EQ((*result)[0].tx_power, -62);
  EXPECT_EQ((*result)[0].observed_at, kNow);
}

TEST(IdentifyRequestValidation, RangeBoundariesAreInclusive) {
  SightingReport report = good();
  report.major = 65535;
  report.minor = 0;
  report.rssi = -127;
  EXPECT_TRUE(validate_sightings({report}, kNow, {}).has_value());
  report.rssi = -1;
  EXPECT_TRUE(validate_sightings({report}, kNow, {}).has_value());
}

TEST(IdentifyRequestValidation, EachBadFieldIsNamed) {
  SightingReport r = good();
  r.uuid = "xyz";
  EXPECT_EQ(rejected(r).field, "sightings[0].uuid");
  r = good();
  r.major = 65536;
  EXPECT_EQ(rejected(r).field, "sightings[0].major");
  r = good();
  r.minor = -1;
  EXPECT_EQ(rejected(r).field, "sightings[0].minor");
  r = good();
  r.rssi = 0;
  EXPECT_EQ(rejected(r).field, "sightings[0].rssi");
  r = good();
  r.rssi = -128;
  EXPECT_EQ(rejected(r).field, "sightings[0].rssi");
  r = good();
  r.tx_power = 21;
  EXPECT_EQ(rejected(r).field, "sightings[0].tx_power");
  r = good();
  r.observed_at = kNow + std::chrono::seconds(301);
  EXPECT_EQ(rejected(r).field, "sightings[0].observed_at");
  r = good();
  r.observed_at = kNow - std::chrono::seconds(301);
  EXPECT_EQ(rejected(r).code, ErrorCode::kInvalidArgument);
}

TEST(IdentifyRequestValidation, CountsAreBounded) {
  EXPECT_EQ(validate_sightings({}, kNow, {}).error().field, "sightings");
  std::vector<SightingReport> many(65, good());
  EXPECT_EQ(validate_sightings(many, kNow, {}).error().code, ErrorCode::kInvalidArgument);
  many.pop_back();
  EXPECT_TRUE(validate_sightings(many, kNow, {}).has_value());
}

TEST(IdentifyRequestValidation, RequestIdMustBeShortPrintableAscii) {
  EXPECT_TRUE(validate_request_id("abc-123_XYZ", {}).has_value());
  EXPECT_FALSE(validate_request_id("", {}).has_value());
  EXPECT_FALSE(validate_request_id(std::string(129, 'a'), {}).has_value());
  EXPECT_FALSE(validate_request_id("has space", {}).has_value());
  EXPECT_FALSE(validate_request_id("caf\xc3\xa9", {}).has_value());
  EXPECT_FALSE(validate_request_id(std::string("a\0b", 3), {}).has_value());
}

TEST(IdentifyRequestValidation, FingerprintChangesWithAnyBodyFieldButNotTheRequestId) {
  IdentifyRequest a;
  a.request_id = "one";
  a.sightings = {good()};
  IdentifyRequest b = a;
  b.request_id = "two";
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  b.sightings[0].rssi = -61;
  EXPECT_NE(fingerprint(a), fingerprint(b));
  b = a;
  b.sightings[0].tx_power = -59;
  EXPECT_NE(fingerprint(a), fingerprint(b));
  b = a;
  b.table_qr = "x";
  EXPECT_NE(fingerprint(a), fingerprint(b));
}

}  // namespace
}  // namespace tastesync::application
