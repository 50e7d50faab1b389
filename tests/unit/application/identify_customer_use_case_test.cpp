#include "application/use_cases/identify_customer_use_case.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "infrastructure/local/composite_request_state.h"
#include "mocks/counting_cache.h"
#include "mocks/fake_clock.h"
#include "mocks/fake_ports.h"
#include "mocks/in_memory_ports.h"
#include "mocks/switchable_ledger.h"
#include "support/test_floor_plan.h"

namespace tastesync::application {
namespace {

using testing::CountingIdempotency;
using testing::CountingPresence;
using testing::CountingRequestState;
using testing::RacedPresenceStore;

using domain::ErrorCode;
using domain::EventType;
using ::testing::_;
using testing::FakeClock;
using ::testing::Return;

constexpr const char* kUuid = testing::kTestUuid;

domain::FloorPlan demo_plan() { return testing::test_floor_plan(); }

// One report with only table 3's beacon, loud.
IdentifyRequest one_report_at_table_3(const std::string& request_id, domain::Timestamp at) {
  IdentifyRequest request;
  request.request_id = request_id;
  request.sightings.push_back({kUuid, 1, 3, -50, std::nullopt, at});
  return request;
}

class IdentifyUseCaseTest : public ::testing::Test {
 protected:
  IdentifyUseCaseTest()
      : registry_(demo_plan()),
        idempotency_(1000, std::chrono::hours(1), clock_),
        request_state_(presence_, idempotency_),
        use_case_(IdentifyDependencies{registry_, presence_, ledger_, events_, idempotency_, request_state_, table_qr_,
                                       clock_, ids_},
                  domain::ResolverSettings{}, IdentifyLimits{}) {}

  IdentifyRequest at(unsigned strongest, std::uint16_t major = 1) {
    IdentifyRequest request;
    request.request_id = "req-" + std::to_string(++requests_);
    for (unsigned minor = 0; minor <= 4; ++minor) {
      request.sightings.push_back({kUuid, major, minor, minor == strongest ? -50 : -85, std::nullopt, clock_.now()});
    }
    return request;
  }
  domain::Result<IdentifyResponse> identify(const IdentifyRequest& request,
                                            const Principal& who = {"alice", Role::kCustomer, "", {}, {}}) {
    clock_.advance(std::chrono::seconds(1));
    return use_case_.identify(who, request);
  }
  std::vector<EventType> event_types() const {
    std::vector<EventType> types;
    for (const auto& e : events_.published()) types.push_back(e.type);
    return types;
  }

  FakeClock clock_;
  testing::InMemoryBeaconRegistry registry_;
  infrastructure::InMemoryPresenceStore presence_;
  testing::InMemoryVisitLedger ledger_;
  testing::InMemoryEventPublisher events_;
  infrastructure::InMemoryIdempotencyStore idempotency_;
  infrastructure::CompositeRequestState request_state_;
  testing::FakeTableQr table_qr_;
  testing::SequentialIds ids_;
  IdentifyCustomerUseCase use_case_;
  int requests_ = 0;
};

TEST_F(IdentifyUseCaseTest, FirstSightingAtATableStartsAVisitAndSeatsTheCustomer) {
  auto response = identify(at(3));
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->customer_id, "alice");
  EXPECT_EQ(response->location.zone_id, "table-3");
  EXPECT_EQ(response->location.table_label, "Table 3");
  EXPECT_TRUE(response->location_changed);
  EXPECT_EQ(event_types(), (std::vector{EventType::kCustomerIdentified, EventType::kCustomerEnteredStore,
                                        EventType::kCustomerSeated}));
  const auto published = events_.published();
  EXPECT_EQ(response->event_ids,
            (std::vector<std::string>{published[0].event_id, published[1].event_id, published[2].event_id}));
  EXPECT_EQ(published[0].visit_id, published[2].visit_id);
  EXPECT_FALSE(published[0].visit_id.empty());
  EXPECT_EQ(ledger_.size(), 3u);
}

TEST_F(IdentifyUseCaseTest, SightingThatChangesNothingRecordsNothing) {
  ASSERT_TRUE(identify(at(3)).has_value());
  auto again = identify(at(3));
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->location_changed);
  EXPECT_TRUE(again->event_ids.empty());
  EXPECT_EQ(ledger_.size(), 3u);
}

TEST_F(IdentifyUseCaseTest, WalkingFromTheEntranceToATableSeatsThenChangingTableIsOneEvent) {
  ASSERT_TRUE(identify(at(0)).has_value());
  EXPECT_EQ(event_types().size(), 2u);  // identified + entered
  std::optional<IdentifyResponse> last;
  for (int i = 0; i < 5; ++i) last = *identify(at(2));
  EXPECT_EQ(last->location.zone_id, "table-2");
  for (int i = 0; i < 5; ++i) last = *identify(at(4));
  EXPECT_EQ(last->location.zone_id, "table-4");
  EXPECT_EQ(event_types(), (std::vector{EventType::kCustomerIdentified, EventType::kCustomerEnteredStore,
                                        EventType::kCustomerSeated, EventType::kCustomerChangedTable}));
  EXPECT_EQ(events_.published().back().previous_zone_id, "table-2");
}

TEST_F(IdentifyUseCaseTest, SeenInAnotherStoreEndsTheFirstVisit) {
  ASSERT_TRUE(identify(at(3)).has_value());
  IdentifyRequest cafe;
  cafe.request_id = "cafe";
  cafe.sightings.push_back({kUuid, 2, 1, -50, std::nullopt, clock_.now()});
  auto response = identify(cafe);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->location.store_id, "cafe");
  const auto published = events_.published();
  ASSERT_EQ(published.size(), 7u);
  EXPECT_EQ(published[3].type, EventType::kCustomerLeftStore);
  EXPECT_EQ(published[3].store_id, "bistro");
  EXPECT_NE(published[4].visit_id, published[0].visit_id);
}

TEST_F(IdentifyUseCaseTest, RetryReturnsTheFirstAnswerAndChangesNothing) {
  const IdentifyRequest request = at(3);
  auto first = identify(request);
  ASSERT_TRUE(first.has_value());
  auto retry = identify(request);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->event_ids, first->event_ids);
  EXPECT_TRUE(retry->location_changed);
  EXPECT_EQ(ledger_.size(), 3u);
  EXPECT_EQ(events_.published().size(), 3u);
}

TEST_F(IdentifyUseCaseTest, RequestIdReusedForADifferentBodyIsRejected) {
  IdentifyRequest request = at(3);
  ASSERT_TRUE(identify(request).has_value());
  request.sightings[0].rssi = -60;
  auto reused = identify(request);
  ASSERT_FALSE(reused.has_value());
  EXPECT_EQ(reused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(reused.error().field, "request_id");
}

TEST_F(IdentifyUseCaseTest, RequestIdsAreScopedToTheCaller) {
  const IdentifyRequest request = at(3);
  auto alice = identify(request);
  auto bob = identify(request, Principal{"bob", Role::kCustomer, "", {}, {}});
  ASSERT_TRUE(alice.has_value());
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->customer_id, "bob");
  EXPECT_NE(bob->event_ids, alice->event_ids);
}

TEST_F(IdentifyUseCaseTest, NonCustomerTokensMayNotIdentify) {
  auto response = identify(at(3), Principal{"scanner-7", Role::kScanner, "bistro", {}, {}});
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(IdentifyUseCaseTest, OnlyUnknownBeaconsIsNotFound) {
  auto response = identify(at(3, 77));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ledger_.size(), 0u);
}

TEST_F(IdentifyUseCaseTest, UnknownBeaconsBesideKnownOnesAreIgnored) {
  IdentifyRequest request = at(2);
  request.sightings.push_back({kUuid, 77, 1, -30, std::nullopt, clock_.now()});
  auto response = identify(request);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->location.zone_id, "table-2");
}

TEST_F(IdentifyUseCaseTest, TableQrSeatsTheCustomerWithFullConfidence) {
  table_qr_.accept("qr-table-4", "bistro", "table-4");
  IdentifyRequest request;
  request.request_id = "scan";
  request.table_qr = "qr-table-4";
  auto response = identify(request);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->location.zone_id, "table-4");
  EXPECT_DOUBLE_EQ(response->confidence, 1.0);
  EXPECT_EQ(events_.published().back().signal, domain::Signal::kTableQr);
  // The beacon resolver continues from the scanned table.
  auto next = identify(at(4));
  ASSERT_TRUE(next.has_value());
  EXPECT_FALSE(next->location_changed);
}

TEST_F(IdentifyUseCaseTest, TableQrProblemsAreReported) {
  IdentifyRequest forged;
  forged.request_id = "forged";
  forged.table_qr = "forged";
  EXPECT_EQ(identify(forged).error().code, ErrorCode::kInvalidArgument);

  table_qr_.accept("qr-entrance", "bistro", "entrance");
  IdentifyRequest entrance;
  entrance.request_id = "entrance";
  entrance.table_qr = "qr-entrance";
  EXPECT_EQ(identify(entrance).error().code, ErrorCode::kInvalidArgument);

  table_qr_.accept("qr-gone", "bistro", "table-9");
  IdentifyRequest gone;
  gone.request_id = "gone";
  gone.table_qr = "qr-gone";
  EXPECT_EQ(identify(gone).error().code, ErrorCode::kNotFound);

  IdentifyRequest both = at(3);
  both.table_qr = "qr-table-4";
  EXPECT_EQ(identify(both).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_.size(), 0u);
}

TEST(IdentifyUseCase, LedgerFailureFailsTheRequestAndKeepsPresenceUnchanged) {
  FakeClock clock;
  testing::InMemoryBeaconRegistry registry(demo_plan());
  infrastructure::InMemoryPresenceStore presence;
  testing::MockVisitLedger ledger;
  testing::InMemoryEventPublisher events;
  infrastructure::InMemoryIdempotencyStore idempotency(100, std::chrono::hours(1), clock);
  testing::FakeTableQr table_qr;
  testing::SequentialIds ids;
  infrastructure::CompositeRequestState request_state(presence, idempotency);
  IdentifyCustomerUseCase use_case(
      IdentifyDependencies{registry, presence, ledger, events, idempotency, request_state, table_qr, clock, ids}, {},
      {});
  EXPECT_CALL(ledger, record(_, _, _, _, _))
      .WillOnce(Return(domain::Result<void>(domain::fail(ErrorCode::kUnavailable, "database down"))))
      .WillOnce(Return(domain::Result<void>()));

  const IdentifyRequest request = one_report_at_table_3("r1", clock.now());
  auto failed = use_case.identify({"alice", Role::kCustomer, "", {}, {}}, request);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(events.published().empty());
  EXPECT_FALSE(presence.load("alice")->presence.has_value());

  // The retry (same request_id) is applied now that the ledger is back.
  auto retried = use_case.identify({"alice", Role::kCustomer, "", {}, {}}, request);
  ASSERT_TRUE(retried.has_value());
  EXPECT_TRUE(retried->location_changed);
  EXPECT_EQ(events.published().size(), 3u);
}

TEST(IdentifyUseCase, AnotherInstanceMovingFirstIsReReadAndNotRecordedTwice) {
  FakeClock clock;
  testing::InMemoryBeaconRegistry registry(demo_plan());
  infrastructure::InMemoryPresenceStore presence_a;  // each instance's own view ...
  infrastructure::InMemoryPresenceStore presence_b;
  testing::InMemoryVisitLedger ledger;  // ... one shared ledger
  testing::InMemoryEventPublisher events;
  infrastructure::InMemoryIdempotencyStore idempotency_a(100, std::chrono::hours(1), clock);
  infrastructure::InMemoryIdempotencyStore idempotency_b(100, std::chrono::hours(1), clock);
  testing::FakeTableQr table_qr;
  testing::SequentialIds ids;
  infrastructure::CompositeRequestState request_state_a(presence_a, idempotency_a);
  infrastructure::CompositeRequestState request_state_b(presence_b, idempotency_b);
  IdentifyCustomerUseCase a(
      {registry, presence_a, ledger, events, idempotency_a, request_state_a, table_qr, clock, ids}, {}, {});
  IdentifyCustomerUseCase b(
      {registry, presence_b, ledger, events, idempotency_b, request_state_b, table_qr, clock, ids}, {}, {});
  const Principal alice{"alice", Role::kCustomer, "", {}, {}};
  auto at_table_3 = [&](const std::string& id) { return one_report_at_table_3(id, clock.now()); };
  auto first = a.identify(alice, at_table_3("a1"));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->event_ids.size(), 3u);
  // Instance b has never seen alice: it would start a visit, but the ledger
  // knows she is already seated there, so nothing new is recorded.
  auto second = b.identify(alice, at_table_3("b1"));
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->location.zone_id, "table-3");
  EXPECT_TRUE(second->event_ids.empty());
  EXPECT_EQ(ledger.size(), 3u);
  ASSERT_EQ(ledger.visits("alice", 10)->size(), 1u);
}

TEST(IdentifyUseCase, ASightingRacingTheLeaveSweepStartsANewVisitInsteadOfResurrectingTheOldOne) {
  FakeClock clock;
  testing::InMemoryBeaconRegistry registry(demo_plan());
  RacedPresenceStore presence;
  testing::InMemoryVisitLedger ledger;
  testing::InMemoryEventPublisher events;
  infrastructure::InMemoryIdempotencyStore idempotency(100, std::chrono::hours(1), clock);
  testing::FakeTableQr table_qr;
  testing::SequentialIds ids;
  infrastructure::CompositeRequestState request_state(presence, idempotency);
  IdentifyCustomerUseCase use_case(
      {registry, presence, ledger, events, idempotency, request_state, table_qr, clock, ids}, {}, {});
  const Principal alice{"alice", Role::kCustomer, "", {}, {}};
  auto at_table_3 = [&](const std::string& id) { return one_report_at_table_3(id, clock.now()); };
  ASSERT_TRUE(use_case.identify(alice, at_table_3("r1")).has_value());
  const std::string first_visit = ledger.current("alice")->value().visit_id;

  // The sweep closes the visit and clears presence while r2 is in flight.
  presence.hook = [&] {
    const auto open = ledger.current("alice").value();
    ASSERT_TRUE(ledger.record("alice", open, std::nullopt, {}, std::nullopt).has_value());
    auto cleared = presence.inner.load("alice").value();
    cleared.presence.reset();
    ASSERT_TRUE(presence.inner.save("alice", cleared).has_value());
  };
  auto raced = use_case.identify(alice, at_table_3("r2"));
  ASSERT_TRUE(raced.has_value()) << raced.error().message;
  EXPECT_EQ(raced->event_ids.size(), 3u);  // identified, entered, seated: a new visit
  EXPECT_TRUE(raced->location_changed);
  ASSERT_TRUE(ledger.current("alice")->has_value());
  EXPECT_NE(ledger.current("alice")->value().visit_id, first_visit);
  EXPECT_EQ(presence.inner.load("alice")->presence->visit_id, ledger.current("alice")->value().visit_id);
}

class BatchedStateTest : public ::testing::Test {
 protected:
  IdentifyRequest at_table_3(const std::string& id) { return one_report_at_table_3(id, clock_.now()); }

  FakeClock clock_;
  testing::InMemoryBeaconRegistry registry_{demo_plan()};
  infrastructure::InMemoryPresenceStore stored_presence_;
  infrastructure::InMemoryIdempotencyStore stored_replies_{100, std::chrono::hours(1), clock_};
  CountingPresence presence_{stored_presence_};
  CountingIdempotency idempotency_{stored_replies_};
  CountingRequestState request_state_{stored_presence_, stored_replies_};
  testing::InMemoryVisitLedger inner_ledger_;
  testing::SwitchableLedger ledger_{inner_ledger_};
  testing::InMemoryEventPublisher events_;
  testing::FakeTableQr table_qr_;
  testing::SequentialIds ids_;
  IdentifyCustomerUseCase use_case_{
      {registry_, presence_, ledger_, events_, idempotency_, request_state_, table_qr_, clock_, ids_}, {}, {}};
  const Principal alice_{"alice", Role::kCustomer, "", {}, {}};
};

TEST_F(BatchedStateTest, TheCommonPathIsOneBeginAndOneCommit) {
  // The first sighting is a transition: the ledger is asked (the customer
  // is unknown to the cache), the change is announced (one save), recorded,
  // and written back with the answer.
  auto first = use_case_.identify(alice_, at_table_3("r1"));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(request_state_.begins, 1);
  EXPECT_EQ(request_state_.commits, 1);
  EXPECT_EQ(presence_.saves, 1);
  EXPECT_EQ(ledger_.recalls, 1);
  EXPECT_EQ(ledger_.records, 1);
  EXPECT_TRUE(stored_presence_.load("alice")->confirmed);

  // A sighting that changes nothing, on a confirmed record: one begin, one
  // commit, and nothing else (no ledger round trip).
  auto second = use_case_.identify(alice_, at_table_3("r2"));
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_FALSE(second->location_changed);
  EXPECT_EQ(request_state_.begins, 2);
  EXPECT_EQ(request_state_.commits, 2);
  EXPECT_EQ(presence_.loads + presence_.saves + idempotency_.finds + idempotency_.remembers, 1);
  EXPECT_EQ(ledger_.recalls, 1);
  EXPECT_EQ(ledger_.records, 1);

  // A retry is answered by begin alone, with the same answer.
  auto retried = use_case_.identify(alice_, at_table_3("r1"));
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->event_ids, first->event_ids);
  EXPECT_EQ(retried->location.zone_id, first->location.zone_id);
  EXPECT_EQ(request_state_.begins, 3);
  EXPECT_EQ(request_state_.commits, 2);
}

TEST_F(BatchedStateTest, ALostCommitStartsOverFromTheLedgerAndRemembersTheFinalAnswer) {
  ASSERT_TRUE(use_case_.identify(alice_, at_table_3("r1")).has_value());
  const std::string first_visit = ledger_.current("alice")->value().visit_id;
  // The leave sweep closes the visit and clears presence while r2 (which
  // would change nothing) is in flight.
  request_state_.before_commit = [&] {
    const auto open = ledger_.current("alice").value();
    ASSERT_TRUE(ledger_.record("alice", open, std::nullopt, {}, std::nullopt).has_value());
    domain::PresenceRecord cleared;
    cleared.version = stored_presence_.load("alice")->version;
    ASSERT_TRUE(stored_presence_.save("alice", cleared).has_value());
  };
  auto raced = use_case_.identify(alice_, at_table_3("r2"));
  ASSERT_TRUE(raced.has_value()) << raced.error().message;
  EXPECT_EQ(raced->event_ids.size(), 3u);  // a new visit
  EXPECT_TRUE(raced->location_changed);
  EXPECT_NE(ledger_.current("alice")->value().visit_id, first_visit);
  EXPECT_EQ(stored_presence_.load("alice")->presence->visit_id, ledger_.current("alice")->value().visit_id);
  // The answer remembered is the final one, events included, in the cache
  // and in the ledger.
  auto remembered = stored_replies_.find("alice", "alice\nr2").value();
  ASSERT_TRUE(remembered);
  EXPECT_EQ(remembered->response.event_ids, raced->event_ids);
  auto kept = inner_ledger_.recall("alice", clock_.now() - std::chrono::hours(1)).value();
  ASSERT_FALSE(kept.answers.empty());
  EXPECT_EQ(kept.answers.back().idempotency_key, "alice\nr2");
  EXPECT_EQ(kept.answers.back().reply.response.event_ids, raced->event_ids);
  auto retried = use_case_.identify(alice_, at_table_3("r2"));
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->event_ids, raced->event_ids);
}

TEST(InMemoryVisitLedger, KeepsVisitsAndWhoIsInTheStore) {
  testing::InMemoryVisitLedger ledger;
  const domain::Timestamp t0{std::chrono::seconds(1000)};
  const domain::Presence entrance{"v1", "bistro", "entrance", domain::ZoneKind::kEntrance, t0, t0, t0};
  domain::Presence table = entrance;
  table.zone_id = "table-2";
  table.zone_kind = domain::ZoneKind::kTable;
  table.zone_since = t0 + std::chrono::seconds(30);
  ASSERT_TRUE(ledger.record("alice", std::nullopt, entrance, {}, std::nullopt).has_value());
  EXPECT_EQ(ledger.record("alice", std::nullopt, entrance, {}, std::nullopt).error().code, ErrorCode::kAborted);
  ASSERT_TRUE(ledger.record("alice", entrance, table, {}, std::nullopt).has_value());
  ASSERT_EQ(ledger.in_store("bistro")->size(), 1u);
  EXPECT_EQ(ledger.in_store("bistro")->front().presence.zone_id, "table-2");
  ASSERT_TRUE(ledger.record("alice", table, std::nullopt, {}, std::nullopt).has_value());
  EXPECT_TRUE(ledger.in_store("bistro")->empty());
  const auto visits = *ledger.visits("alice", 10);
  ASSERT_EQ(visits.size(), 1u);
  EXPECT_TRUE(visits[0].left_at.has_value());
  ASSERT_EQ(visits[0].zones.size(), 2u);
  EXPECT_EQ(visits[0].zones[1].zone_id, "table-2");
}

}  // namespace
}  // namespace tastesync::application
