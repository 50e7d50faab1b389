// Abuse limits: token buckets per customer / device / scanner, travel
// plausibility between stores, table QR key validity windows, and the
// configuration that sets them.

#include <gtest/gtest.h>

#include <chrono>

#include "application/use_cases/admin_validation.h"
#include "application/use_cases/identify_customer_use_case.h"
#include "config/config.h"
#include "domain/services/travel.h"
#include "infrastructure/crypto/table_qr_codec.h"
#include "infrastructure/local/composite_request_state.h"
#include "infrastructure/ratelimit/token_bucket_limiter.h"
#include "mocks/fake_clock.h"
#include "mocks/fake_ports.h"
#include "mocks/in_memory_ports.h"
#include "support/test_floor_plan.h"

namespace tastesync {
namespace {

using application::Principal;
using application::Role;
using domain::ErrorCode;
using namespace std::chrono_literals;

// ---- token buckets ---------------------------------------------------------------

infrastructure::RateLimitSettings small_limits() {
  return infrastructure::RateLimitSettings{.customer = {1.0, 3.0}, .device = {2.0, 2.0}, .scanner = {10.0, 5.0}};
}

TEST(TokenBucketLimiterTest, CustomerGetsItsBurstThenResourceExhaustedUntilRefilled) {
  testing::FakeClock clock;
  infrastructure::TokenBucketLimiter limiter(small_limits(), clock);
  const Principal alice{"alice", Role::kCustomer, "", {}, {}};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.admit(alice)) << i;
  auto refused = limiter.admit(alice);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(refused.error().message.find("rate limit of this customer"), std::string::npos);
  EXPECT_NE(refused.error().message.find("(1 requests/s, burst 3); retry in"), std::string::npos)
      << refused.error().message;
  // Another customer has a bucket of their own.
  EXPECT_TRUE(limiter.admit(Principal{"bob", Role::kCustomer, "", {}, {}}));
  clock.advance(1s);
  EXPECT_TRUE(limiter.admit(alice));
  EXPECT_FALSE(limiter.admit(alice));
}

TEST(TokenBucketLimiterTest, DeviceLimitHoldsAcrossTheCustomersUsingIt) {
  testing::FakeClock clock;
  infrastructure::TokenBucketLimiter limiter(small_limits(), clock);
  EXPECT_TRUE(limiter.admit(Principal{"a", Role::kCustomer, "", {}, "phone-1"}));
  EXPECT_TRUE(limiter.admit(Principal{"b", Role::kCustomer, "", {}, "phone-1"}));
  auto refused = limiter.admit(Principal{"c", Role::kCustomer, "", {}, "phone-1"});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("device"), std::string::npos);
}

TEST(TokenBucketLimiterTest, ScannerHasItsOwnLimitAndOtherRolesNone) {
  testing::FakeClock clock;
  infrastructure::TokenBucketLimiter limiter(small_limits(), clock);
  const Principal scanner{"scanner-1", Role::kScanner, "bistro", {}, {}};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.admit(scanner));
  EXPECT_FALSE(limiter.admit(scanner));
  const Principal admin{"ops", Role::kAdmin, "", {}, {}};
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.admit(admin));
}

TEST(TokenBucketLimiterTest, ZeroRateSwitchesALimitOff) {
  testing::FakeClock clock;
  infrastructure::TokenBucketLimiter limiter({}, clock);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.admit(Principal{"alice", Role::kCustomer, "", {}, "p"}));
}

// ---- travel plausibility -----------------------------------------------------------

constexpr domain::GeoPoint kParis{48.8566, 2.3522};
constexpr domain::GeoPoint kLyon{45.7640, 4.8357};
constexpr domain::GeoPoint kParisNextDoor{48.8567, 2.3523};

TEST(TravelTest, DistanceAndSpeed) {
  EXPECT_NEAR(domain::distance_km(kParis, kLyon), 392.0, 5.0);
  EXPECT_FALSE(domain::travel_is_plausible(kParis, kLyon, 30min, 200.0));
  EXPECT_TRUE(domain::travel_is_plausible(kParis, kLyon, 3h, 200.0));
  // Next door is the same place, however short the interval.
  EXPECT_TRUE(domain::travel_is_plausible(kParis, kParisNextDoor, 0s, 200.0));
  EXPECT_FALSE(domain::is_valid(domain::GeoPoint{91, 0}));
  EXPECT_FALSE(domain::is_valid(domain::GeoPoint{0, 181}));
}

TEST(TravelTest, StoreLocationIsBothOrNeitherAndInRange) {
  EXPECT_TRUE(application::validate_location(std::nullopt, std::nullopt));
  EXPECT_TRUE(application::validate_location(48.8, 2.3));
  EXPECT_EQ(application::validate_location(48.8, std::nullopt).error().field, "longitude");
  EXPECT_EQ(application::validate_location(std::nullopt, 2.3).error().field, "latitude");
  EXPECT_EQ(application::validate_location(-91.0, 2.3).error().field, "latitude");
  EXPECT_EQ(application::validate_location(10.0, 180.5).error().field, "longitude");
  EXPECT_EQ(application::validate_location(std::nan(""), 1.0).error().field, "latitude");
}

// Bistro in Paris, cafe in Lyon.
domain::FloorPlan located_plan() {
  const domain::FloorPlan base = testing::test_floor_plan();
  std::vector<domain::Store> stores = base.stores();
  for (auto& store : stores) store.location = store.id == "bistro" ? kParis : kLyon;
  return *domain::FloorPlan::build(std::move(stores), base.beacons());
}

class PlausibilityTest : public ::testing::Test {
 protected:
  PlausibilityTest()
      : registry_(located_plan()),
        idempotency_(1000, 1h, clock_),
        request_state_(presence_, idempotency_),
        use_case_(application::IdentifyDependencies{registry_, presence_, ledger_, events_, idempotency_,
                                                    request_state_, table_qr_, clock_, ids_},
                  domain::ResolverSettings{}, application::IdentifyLimits{}) {
    table_qr_.accept("qr-cafe-1", "cafe", "table-1");
    table_qr_.accept("qr-bistro-2", "bistro", "table-2");
  }

  domain::Result<application::IdentifyResponse> scan(const std::string& payload) {
    application::IdentifyRequest request;
    request.request_id = "req-" + std::to_string(++requests_);
    request.table_qr = payload;
    return use_case_.identify(Principal{"alice", Role::kCustomer, "", {}, {}}, request);
  }

  testing::FakeClock clock_;
  testing::InMemoryBeaconRegistry registry_;
  infrastructure::InMemoryPresenceStore presence_;
  testing::InMemoryVisitLedger ledger_;
  testing::InMemoryEventPublisher events_;
  infrastructure::InMemoryIdempotencyStore idempotency_;
  infrastructure::CompositeRequestState request_state_;
  testing::FakeTableQr table_qr_;
  testing::SequentialIds ids_;
  application::IdentifyCustomerUseCase use_case_;
  int requests_ = 0;
};

TEST_F(PlausibilityTest, AJumpFasterThanTravelAllowsIsRefusedAndChangesNothing) {
  ASSERT_TRUE(scan("qr-bistro-2"));
  const auto events_before = events_.published().size();
  clock_.advance(10min);
  auto refused = scan("qr-cafe-1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("implausible location"), std::string::npos) << refused.error().message;
  EXPECT_EQ(events_.published().size(), events_before);
  // Still at the bistro, and it can keep reporting there.
  clock_.advance(1s);
  auto again = scan("qr-bistro-2");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->location.store_id, "bistro");
}

TEST_F(PlausibilityTest, TheSameJumpAfterEnoughTimeIsAccepted) {
  ASSERT_TRUE(scan("qr-bistro-2"));
  clock_.advance(3h);
  auto moved = scan("qr-cafe-1");
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(moved->location.store_id, "cafe");
}

// ---- table QR key validity ----------------------------------------------------------

TEST(TableQrValidityTest, CodesOfAKeyOutsideItsWindowAreRefused) {
  testing::FakeClock clock;
  infrastructure::HmacTableQrCodec codec(
      infrastructure::HmacKeyRing({{"old", std::string(32, 'a')}, {"new", std::string(32, 'b')}}, "old"));
  auto old_code = codec.sign("bistro", "table-2");
  ASSERT_TRUE(old_code);
  codec.limit_validity({{"old", {std::nullopt, clock.now() + 1h}}, {"new", {clock.now() + 30min, std::nullopt}}},
                       clock);
  EXPECT_TRUE(codec.verify(*old_code));
  clock.advance(2h);
  auto expired = codec.verify(*old_code);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(expired.error().field, "table_qr");
  // Signing with a key past its window is refused too.
  EXPECT_FALSE(codec.sign("bistro", "table-2"));
}

TEST(TableQrValidityTest, KeyNotYetValidIsRefused) {
  testing::FakeClock clock;
  infrastructure::HmacTableQrCodec codec(infrastructure::HmacKeyRing({{"new", std::string(32, 'b')}}, "new"));
  auto code = codec.sign("bistro", "table-2");
  ASSERT_TRUE(code);
  codec.limit_validity({{"new", {clock.now() + 1h, std::nullopt}}}, clock);
  EXPECT_EQ(codec.verify(*code).error().code, ErrorCode::kFailedPrecondition);
}

// ---- configuration ------------------------------------------------------------------

config::Environment no_environment() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

TEST(AbuseConfigTest, ReadsRateLimitsPlausibilityValidityAndClientCa) {
  auto cfg = config::parse_config(
      "rate_limit:\n  customer_per_second: 2.5\n  customer_burst: 10\n  scanner_per_second: 0\n"
      "plausibility:\n  max_speed_kmh: 120\n"
      "grpc:\n  client_ca_file: ca.crt\n"
      "table_qr:\n  key_validity: qr-dev-1=2025-01-01T00:00:00Z/2026-06-30T12:00:00Z,qr-2=/2030-01-01T00:00:00Z\n",
      no_environment());
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->rate_limit.customer_per_second, 2.5);
  EXPECT_EQ(cfg->rate_limit.customer_burst, 10.0);
  EXPECT_EQ(cfg->rate_limit.scanner_per_second, 0.0);
  EXPECT_EQ(cfg->identify.max_travel_speed_kmh, 120.0);
  EXPECT_EQ(cfg->grpc.client_ca_file, "ca.crt");
  ASSERT_EQ(cfg->table_qr.key_validity.size(), 2u);
  const auto& window = cfg->table_qr.key_validity.at("qr-dev-1");
  EXPECT_EQ(window.not_before, domain::Timestamp(std::chrono::seconds(1'735'689'600)));
  EXPECT_EQ(window.not_after, domain::Timestamp(std::chrono::seconds(1'782'820'800)));
  EXPECT_FALSE(cfg->table_qr.key_validity.at("qr-2").not_before);
}

TEST(AbuseConfigTest, BadValuesNameTheKey) {
  for (const char* yaml :
       {"rate_limit:\n  customer_per_second: -1\n", "rate_limit:\n  device_burst: 0\n",
        "plausibility:\n  max_speed_kmh: fast\n", "table_qr:\n  key_validity: qr-1=2025-13-01/\n",
        "table_qr:\n  key_validity: qr-1=2026-01-01T00:00:00Z/2025-01-01T00:00:00Z\n",
        "table_qr:\n  key_validity: nowindow\n", "grpc:\n  tls: false\n  client_ca_file: ca.crt\n"}) {
    auto cfg = config::parse_config(yaml, no_environment());
    ASSERT_FALSE(cfg) << yaml;
    EXPECT_FALSE(cfg.error().field.empty()) << yaml;
  }
}

}  // namespace
}  // namespace tastesync
