// The ledger decides where a customer is; the presence cache only speeds up
// answers it can vouch for (docs/design.md, "The ledger decides"). These
// tests play the faults the chaos suite plays against real processes, with
// in-memory stores: a cache behind the ledger, a cache that lost
// everything, a writer stopped between the ledger and the cache, and two
// instances recording the same request.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "application/use_cases/identify_customer_use_case.h"
#include "application/use_cases/leave_detection_use_case.h"
#include "infrastructure/local/composite_request_state.h"
#include "mocks/fake_clock.h"
#include "mocks/fake_ports.h"
#include "mocks/in_memory_last_seen.h"
#include "mocks/in_memory_ports.h"
#include "mocks/switchable_ledger.h"
#include "support/test_floor_plan.h"

namespace tastesync::application {
namespace {

using namespace std::chrono_literals;

IdentifyRequest sighting_at_table(int table, const std::string& request_id, domain::Timestamp at) {
  IdentifyRequest request;
  request.request_id = request_id;
  request.sightings.push_back({testing::kTestUuid, 1, static_cast<std::uint16_t>(table), -50, std::nullopt, at});
  return request;
}

// One service instance: its own cache (or its own view of a shared one)
// over the shared ledger.
struct Instance {
  Instance(testing::FakeClock& clock, testing::InMemoryBeaconRegistry& registry, VisitLedgerPort& shared_ledger,
           infrastructure::InMemoryPresenceStore& cache)
      : ledger(shared_ledger),
        presence(cache),
        replies(1000, std::chrono::hours(1), clock),
        request_state(presence, replies),
        use_case({registry, presence, ledger, events, replies, request_state, table_qr, clock, ids}, {}, {}) {}

  testing::SwitchableLedger ledger;
  infrastructure::InMemoryPresenceStore& presence;
  infrastructure::InMemoryIdempotencyStore replies;
  infrastructure::CompositeRequestState request_state;
  testing::InMemoryEventPublisher events;
  testing::FakeTableQr table_qr;
  testing::SequentialIds ids;
  IdentifyCustomerUseCase use_case;
};

class LedgerDecidesTest : public ::testing::Test {
 protected:
  std::string ledger_zone(const std::string& customer) {
    auto open = ledger_.current(customer).value();
    return open ? open->zone_id : std::string{};
  }

  testing::FakeClock clock_;
  testing::InMemoryBeaconRegistry registry_{testing::test_floor_plan()};
  testing::InMemoryVisitLedger ledger_;
  infrastructure::InMemoryPresenceStore cache_;
  Instance a_{clock_, registry_, ledger_, cache_};
  const Principal alice_{"alice", Role::kCustomer, "", {}, {}};
};

TEST_F(LedgerDecidesTest, AnUnconfirmedRecordBehindTheLedgerNeverNamesItsStaleZone) {
  ASSERT_TRUE(a_.use_case.identify(alice_, sighting_at_table(3, "r1", clock_.now())).has_value());
  // Another instance moved alice to table 2 in the ledger while this cache
  // was out of reach; the cache still says table 3, unconfirmed (a local
  // copy, or a record read after an outage).
  auto open = ledger_.current("alice").value();
  domain::Presence moved = *open;
  moved.zone_id = "table-2";
  ASSERT_TRUE(ledger_.record("alice", open, moved, {}, std::nullopt));
  auto stale = cache_.load("alice").value();
  stale.confirmed = false;
  ASSERT_TRUE(cache_.save("alice", stale));

  clock_.advance(1s);
  const int recalls_before = a_.ledger.recalls;
  auto answer = a_.use_case.identify(alice_, sighting_at_table(3, "r2", clock_.now()));
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  EXPECT_EQ(a_.ledger.recalls, recalls_before + 1);
  // Whatever the resolver decided, the answer is what the ledger holds now.
  EXPECT_EQ(answer->location.zone_id, ledger_zone("alice"));
  EXPECT_TRUE(cache_.load("alice")->confirmed);
}

TEST_F(LedgerDecidesTest, ARetryAfterTheCacheLostEverythingGetsTheFirstAnswerAndWritesNothing) {
  const IdentifyRequest request = sighting_at_table(3, "r1", clock_.now());
  auto first = a_.use_case.identify(alice_, request);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->location_changed);
  const std::size_t events = ledger_.size();

  // A new cache (Redis restarted empty), and a new instance on it.
  infrastructure::InMemoryPresenceStore empty_cache;
  Instance b(clock_, registry_, ledger_, empty_cache);
  clock_.advance(2s);
  auto retried = b.use_case.identify(alice_, request);
  ASSERT_TRUE(retried.has_value()) << retried.error().message;
  EXPECT_EQ(retried->event_ids, first->event_ids);
  EXPECT_EQ(retried->location.zone_id, first->location.zone_id);
  EXPECT_TRUE(retried->location_changed);
  EXPECT_EQ(ledger_.size(), events);
  EXPECT_EQ(b.ledger.records, 0);

  // The same request id with another body is still a client error.
  auto reused = b.use_case.identify(alice_, sighting_at_table(2, "r1", clock_.now()));
  ASSERT_FALSE(reused.has_value());
  EXPECT_EQ(reused.error().code, domain::ErrorCode::kInvalidArgument);
}

TEST_F(LedgerDecidesTest, ARetryAfterTheCacheLostItsAnswersAndWasConfirmedAgainStillGetsTheFirstAnswer) {
  const IdentifyRequest moved_in = sighting_at_table(3, "r1", clock_.now());
  auto first = a_.use_case.identify(alice_, moved_in);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->location_changed);

  // Redis restarted empty; alice goes on (r2) on an instance using it,
  // which confirms her record again from the ledger.
  infrastructure::InMemoryPresenceStore fresh_cache;
  Instance b(clock_, registry_, ledger_, fresh_cache);
  clock_.advance(2s);
  ASSERT_TRUE(b.use_case.identify(alice_, sighting_at_table(3, "r2", clock_.now())).has_value());
  ASSERT_TRUE(fresh_cache.load("alice")->confirmed);

  // Now the client re-sends r1 (its first answer was lost on the way): the
  // confirmed record does not make it "nothing moved".
  auto resent = b.use_case.identify(alice_, moved_in);
  ASSERT_TRUE(resent.has_value()) << resent.error().message;
  EXPECT_EQ(resent->event_ids, first->event_ids);
  EXPECT_TRUE(resent->location_changed);
  EXPECT_TRUE(resent->replayed);
}

TEST_F(LedgerDecidesTest, AWriterStoppedBetweenLedgerAndCacheLeavesAHoldNotAWrongAnswer) {
  ASSERT_TRUE(a_.use_case.identify(alice_, sighting_at_table(3, "r1", clock_.now())).has_value());
  // What a writer that died after its ledger commit leaves: the ledger says
  // table 2; the cache still says table 3, under the writer's hold.
  auto open = ledger_.current("alice").value();
  domain::Presence moved = *open;
  moved.zone_id = "table-2";
  auto held = cache_.load("alice").value();
  held.confirmed = false;
  held.ledger_hold_until = clock_.now() + 30s;
  ASSERT_TRUE(cache_.save("alice", held));
  ASSERT_TRUE(ledger_.record("alice", open, moved, {}, std::nullopt));

  clock_.advance(1s);
  // The customer is at table 2 indeed: nothing changes, and the answer is
  // the ledger's table, not the cache's.
  auto answer = a_.use_case.identify(alice_, sighting_at_table(2, "r2", clock_.now()));
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  EXPECT_EQ(answer->location.zone_id, "table-2");
  EXPECT_FALSE(answer->location_changed);
  EXPECT_EQ(ledger_zone("alice"), "table-2");
  // Someone may still be writing: nobody vouches for the record yet.
  EXPECT_FALSE(cache_.load("alice")->confirmed);

  // Once the hold lapsed, the next request confirms it again.
  clock_.advance(31s);
  auto later = a_.use_case.identify(alice_, sighting_at_table(2, "r3", clock_.now()));
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->location.zone_id, "table-2");
  EXPECT_TRUE(cache_.load("alice")->confirmed);
  EXPECT_EQ(cache_.load("alice")->ledger_hold_until, domain::Timestamp{});
}

TEST_F(LedgerDecidesTest, TwoInstancesRecordingTheSameRequestRecordItOnce) {
  // b has a cache of its own (it cannot see a's), as after a fail-over.
  infrastructure::InMemoryPresenceStore b_cache;
  Instance b(clock_, registry_, ledger_, b_cache);
  const IdentifyRequest request = sighting_at_table(3, "r1", clock_.now());
  domain::Result<IdentifyResponse> from_b = domain::fail(domain::ErrorCode::kInternal, "not run");
  // b records the request while a is between its hold and its ledger write.
  a_.ledger.before_record = [&] { from_b = b.use_case.identify(alice_, request); };
  auto from_a = a_.use_case.identify(alice_, request);
  ASSERT_TRUE(from_a.has_value()) << from_a.error().message;
  ASSERT_TRUE(from_b.has_value()) << from_b.error().message;
  EXPECT_EQ(from_a->event_ids, from_b->event_ids);
  EXPECT_EQ(from_a->location.zone_id, from_b->location.zone_id);
  EXPECT_EQ(ledger_.size(), from_b->event_ids.size());
  ASSERT_EQ(ledger_.visits("alice", 10)->size(), 1u);
}

TEST_F(LedgerDecidesTest, ANoChangeAnswerWhileAnotherWriterHoldsTheRecordDoesNotConfirmIt) {
  ASSERT_TRUE(a_.use_case.identify(alice_, sighting_at_table(3, "r1", clock_.now())).has_value());
  auto record = cache_.load("alice").value();
  record.confirmed = false;
  record.ledger_hold_until = clock_.now() + 30s;  // a leave sweep mid-way, say
  ASSERT_TRUE(cache_.save("alice", record));
  auto answer = a_.use_case.identify(alice_, sighting_at_table(3, "r2", clock_.now()));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->location.zone_id, ledger_zone("alice"));
  const auto after = cache_.load("alice").value();
  EXPECT_FALSE(after.confirmed);
  EXPECT_EQ(after.ledger_hold_until, record.ledger_hold_until);
}

// The race the overload run of the fault suite once showed: a leave sweep
// had read the ledger and held the record; a sighting answered "still at
// table 3" meanwhile; then the sweep closed the visit, so the answer named
// a place the ledger said the customer had left.
TEST_F(LedgerDecidesTest, ASightingAnsweredWhileTheLeaveSweepHoldsTheRecordKeepsTheVisitOpen) {
  ASSERT_TRUE(a_.use_case.identify(alice_, sighting_at_table(3, "r1", clock_.now())).has_value());
  const std::string visit = ledger_.current("alice").value()->visit_id;
  clock_.advance(11min);  // silent past leave_after

  testing::SwitchableLedger sweep_ledger(ledger_);
  testing::InMemoryLastSeenIndex index;
  testing::InMemoryEventPublisher events;
  testing::SequentialIds ids;
  LeaveDetectionSettings settings;
  settings.leave_after = 10min;
  LeaveDetectionUseCase sweep({index, sweep_ledger, events, ids, cache_}, settings);
  std::optional<domain::Result<IdentifyResponse>> answer;
  // Between the sweep's hold and its ledger write, alice is seen.
  sweep_ledger.before_record = [&] {
    clock_.advance(100ms);
    answer = a_.use_case.identify(alice_, sighting_at_table(3, "r2", clock_.now()));
  };
  auto left = sweep.sweep(clock_.now());
  ASSERT_TRUE(left.has_value()) << left.error().message;
  ASSERT_TRUE(answer.has_value() && answer->has_value());
  EXPECT_EQ((*answer)->location.zone_id, "table-3");
  EXPECT_FALSE((*answer)->location_changed);
  // The sweep's decision predates the sighting: it failed, the visit is open.
  EXPECT_EQ(*left, 0u);
  ASSERT_TRUE(ledger_.current("alice").value().has_value());
  EXPECT_EQ(ledger_.current("alice").value()->visit_id, visit);
  EXPECT_EQ(ledger_zone("alice"), "table-3");
  EXPECT_TRUE(events.published().empty());
  // The sweep took its hold back.
  EXPECT_EQ(cache_.load("alice")->ledger_hold_until, domain::Timestamp{});
}

// The other order: the sweep's leave commits between the sighting's ledger
// read and its answer. The sighting then opens a new visit; "nothing moved"
// would name the visit that just ended.
TEST_F(LedgerDecidesTest, ASightingRacingACommittedLeaveStartsANewVisitInsteadOfNamingTheOldOne) {
  ASSERT_TRUE(a_.use_case.identify(alice_, sighting_at_table(3, "r1", clock_.now())).has_value());
  const auto open = ledger_.current("alice").value();
  auto held = cache_.load("alice").value();
  held.confirmed = false;
  held.ledger_hold_until = clock_.now() + 30s;  // the sweep's hold
  ASSERT_TRUE(cache_.save("alice", held));
  clock_.advance(1s);
  a_.ledger.before_touch = [&] {
    ASSERT_TRUE(ledger_.record("alice", open, std::nullopt, {}, std::nullopt));  // the leave commits
  };
  auto answer = a_.use_case.identify(alice_, sighting_at_table(3, "r2", clock_.now()));
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  EXPECT_TRUE(answer->location_changed);
  const auto now_open = ledger_.current("alice").value();
  ASSERT_TRUE(now_open.has_value());
  EXPECT_NE(now_open->visit_id, open->visit_id);
  EXPECT_EQ(answer->location.zone_id, now_open->zone_id);
}

}  // namespace
}  // namespace tastesync::application
