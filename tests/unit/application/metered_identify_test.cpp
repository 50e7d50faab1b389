// Metrics count what happened: a retried request's first answer is not a
// second transition, and the store scanners' placements count too.

#include "application/use_cases/metered_identify.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "application/use_cases/identify_customer_use_case.h"
#include "infrastructure/local/composite_request_state.h"
#include "infrastructure/local/local_stores.h"
#include "mocks/fake_clock.h"
#include "mocks/fake_ports.h"
#include "mocks/in_memory_ports.h"
#include "mocks/recording_metrics.h"
#include "support/test_floor_plan.h"

namespace tastesync::application {
namespace {

TEST(MeteredIdentify, ARetryIsCountedAsReplayedAndItsTransitionOnce) {
  testing::FakeClock clock;
  testing::InMemoryBeaconRegistry registry(testing::test_floor_plan());
  infrastructure::InMemoryPresenceStore presence;
  testing::InMemoryVisitLedger ledger;
  testing::InMemoryEventPublisher events;
  infrastructure::InMemoryIdempotencyStore replies(100, std::chrono::hours(1), clock);
  infrastructure::CompositeRequestState request_state(presence, replies);
  testing::FakeTableQr table_qr;
  testing::SequentialIds ids;
  IdentifyCustomerUseCase use_case({registry, presence, ledger, events, replies, request_state, table_qr, clock, ids},
                                   {}, {});
  testing::RecordingMetrics metrics;
  MeteredIdentifyCustomer metered(use_case, metrics);

  IdentifyRequest request;
  request.request_id = "r1";
  request.sightings.push_back({testing::kTestUuid, 1, 3, -50, std::nullopt, clock.now()});
  const Principal alice{"alice", Role::kCustomer, "", {}, {}};
  auto first = metered.identify(alice, request);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->replayed);
  auto again = metered.identify(alice, request);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->event_ids, first->event_ids);
  EXPECT_EQ(metrics.identifications, (std::vector<std::string>{"beacons identified", "beacons replayed"}));
  EXPECT_EQ(metrics.transitions, (std::vector<std::string>{"table"}));
}

// Answers as a scanner use case would: a move to the entrance, then the
// same answer replayed, then a refusal.
class ScriptedScanner final : public StoreScannerPort {
 public:
  domain::Result<IdentifyResponse> report_phone_beacon(const Principal&, const PhoneBeaconReport&) override {
    return next();
  }
  domain::Result<IdentifyResponse> scan_customer_code(const Principal&, const CustomerCodeScan&) override {
    return next();
  }

 private:
  domain::Result<IdentifyResponse> next() {
    IdentifyResponse answer;
    answer.location.zone_kind = domain::ZoneKind::kEntrance;
    answer.location_changed = true;
    switch (calls_++) {
      case 0: return answer;
      case 1: answer.replayed = true; return answer;
      default: return domain::fail(domain::ErrorCode::kAlreadyExists, "this customer code was already used", "code");
    }
  }
  int calls_ = 0;
};

TEST(MeteredStoreScanner, CountsPlacementsBySignal) {
  ScriptedScanner inner;
  testing::RecordingMetrics metrics;
  MeteredStoreScanner metered(inner, metrics);
  ASSERT_TRUE(metered.report_phone_beacon({}, {}).has_value());
  ASSERT_TRUE(metered.scan_customer_code({}, {}).has_value());
  ASSERT_FALSE(metered.scan_customer_code({}, {}).has_value());
  EXPECT_EQ(metrics.identifications, (std::vector<std::string>{"phone_beacon identified", "entrance_code replayed",
                                                               "entrance_code ALREADY_EXISTS"}));
  EXPECT_EQ(metrics.transitions, (std::vector<std::string>{"entrance"}));
}

}  // namespace
}  // namespace tastesync::application
