#include "application/use_cases/leave_detection_use_case.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "application/use_cases/identify_customer_use_case.h"
#include "infrastructure/local/composite_request_state.h"
#include "mocks/fake_clock.h"
#include "mocks/fake_ports.h"
#include "mocks/in_memory_last_seen.h"
#include "mocks/in_memory_ports.h"
#include "mocks/switchable_ledger.h"
#include "support/test_floor_plan.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::EventType;
using namespace std::chrono_literals;
using testing::FakeClock;
using testing::SwitchableLedger;

constexpr const char* kUuid = testing::kTestUuid;

domain::FloorPlan demo_plan() { return testing::test_floor_plan(); }

class LeaveDetectionTest : public ::testing::Test {
 protected:
  LeaveDetectionTest()
      : registry_(demo_plan()),
        presence_(raw_presence_, index_),
        ledger_(raw_ledger_),
        idempotency_(1000, std::chrono::hours(1), clock_),
        request_state_(presence_, idempotency_),
        identify_(IdentifyDependencies{registry_, presence_, ledger_, events_, idempotency_, request_state_, table_qr_,
                                       clock_, ids_},
                  domain::ResolverSettings{}, IdentifyLimits{}),
        leave_(instance()) {}

  // One more "instance": its own use case over the same shared stores.
  std::unique_ptr<LeaveDetectionUseCase> instance(VisitLedgerPort* ledger = nullptr) {
    LeaveDetectionSettings settings;
    settings.leave_after = 10min;
    return std::make_unique<LeaveDetectionUseCase>(
        LeaveDetectionDependencies{index_, ledger != nullptr ? *ledger : ledger_, events_, ids_, presence_}, settings);
  }

  // One report with the beacon of table `strongest` (0 = entrance) loudest.
  domain::Result<IdentifyResponse> seen_at(unsigned strongest, const std::string& who = "alice") {
    IdentifyRequest request;
    request.request_id = "req-" + std::to_string(++requests_);
    for (unsigned minor = 0; minor <= 4; ++minor) {
      request.sightings.push_back({kUuid, 1, minor, minor == strongest ? -50 : -85, std::nullopt, clock_.now()});
    }
    return identify_.identify({who, Role::kCustomer, "", {}, {}}, request);
  }

  std::vector<domain::DomainEvent> published(EventType type) const {
    std::vector<domain::DomainEvent> found;
    for (const auto& e : events_.published()) {
      if (e.type == type) found.push_back(e);
    }
    return found;
  }

  std::optional<domain::Presence> open_visit(const std::string& who = "alice") const {
    return raw_ledger_.current(who).value();
  }

  FakeClock clock_;
  testing::InMemoryBeaconRegistry registry_;
  infrastructure::InMemoryPresenceStore raw_presence_;
  testing::InMemoryLastSeenIndex index_;
  testing::IndexedPresenceStore presence_;
  testing::InMemoryVisitLedger raw_ledger_;
  SwitchableLedger ledger_;
  testing::InMemoryEventPublisher events_;
  infrastructure::InMemoryIdempotencyStore idempotency_;
  infrastructure::CompositeRequestState request_state_;
  testing::FakeTableQr table_qr_;
  testing::SequentialIds ids_;
  IdentifyCustomerUseCase identify_;
  std::unique_ptr<LeaveDetectionUseCase> leave_;
  int requests_ = 0;
};

// The cache lost everything (Redis restarted empty, a fail-over): neither
// the presence record nor the last-seen index knows the customer.
void forget_in_cache(infrastructure::InMemoryPresenceStore& presence, testing::InMemoryLastSeenIndex& index,
                     const std::string& who) {
  domain::PresenceRecord empty;
  empty.version = presence.load(who)->version;
  ASSERT_TRUE(presence.save(who, empty).has_value());
  index.erase(who);
}

TEST_F(LeaveDetectionTest, AVisitIsClosedFromTheLedgerWhenTheCacheLostEverything) {
  ASSERT_TRUE(seen_at(3).has_value());
  forget_in_cache(raw_presence_, index_, "alice");
  clock_.advance(5min);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 0u);  // not silent long enough yet
  EXPECT_TRUE(open_visit().has_value());

  clock_.advance(5min + 1s);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 1u);
  EXPECT_FALSE(open_visit().has_value());
  EXPECT_EQ(published(EventType::kCustomerLeftStore).size(), 1u);
}

TEST_F(LeaveDetectionTest, ALedgerCandidateTheCacheSawRecentlyStaysAndTheLedgerLearnsIt) {
  ASSERT_TRUE(seen_at(3).has_value());
  const domain::Timestamp entered = open_visit()->last_seen;
  // Seen every few minutes since, without moving: the ledger's last_seen
  // stays where the last transition left it; the cache knows better.
  for (int i = 0; i < 4; ++i) {
    clock_.advance(4min);
    ASSERT_TRUE(seen_at(3).has_value());
  }
  index_.erase("alice");  // only the index was lost
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 0u);
  ASSERT_TRUE(open_visit().has_value());
  EXPECT_EQ(open_visit()->last_seen, clock_.now());
  EXPECT_GT(open_visit()->last_seen, entered);
  // Then silence: the visit is closed leave_after past the last sighting.
  clock_.advance(10min + 1s);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 1u);
}

TEST_F(LeaveDetectionTest, TheSweepHoldsTheRecordSoASightingMeanwhileAsksTheLedger) {
  ASSERT_TRUE(seen_at(3).has_value());
  clock_.advance(10min + 1s);
  // A sighting arrives after the sweep announced the leave and before it
  // recorded it: it must not answer from the cache's (confirmed) copy.
  domain::Result<IdentifyResponse> meanwhile = domain::fail(ErrorCode::kInternal, "not run");
  ledger_.before_record = [&] {
    EXPECT_FALSE(raw_presence_.load("alice")->confirmed);
    meanwhile = seen_at(3);
  };
  ASSERT_TRUE(leave_->sweep(clock_.now()).has_value());
  ASSERT_TRUE(meanwhile.has_value()) << meanwhile.error().message;
  // Either the sweep lost (the sighting moved first) or the sighting's
  // answer is what the ledger held at that moment; in both cases the ledger
  // and the cache agree afterwards and nothing is confirmed wrongly.
  const auto open = open_visit();
  const auto cached = raw_presence_.load("alice").value();
  if (cached.confirmed) {
    ASSERT_TRUE(open.has_value());
    ASSERT_TRUE(cached.presence.has_value());
    EXPECT_EQ(cached.presence->visit_id, open->visit_id);
  }
}

TEST_F(LeaveDetectionTest, SilentPastLeaveAfterLeavesOnceFromTheLastZoneOfTheVisit) {
  ASSERT_TRUE(seen_at(3).has_value());
  const std::string visit_id = open_visit()->visit_id;
  EXPECT_EQ(index_.size(), 1u);

  clock_.advance(10min + 1s);
  const domain::Timestamp swept_at = clock_.now();
  auto left = leave_->sweep(swept_at);
  ASSERT_TRUE(left.has_value()) << left.error().message;
  EXPECT_EQ(*left, 1u);

  const auto leaves = published(EventType::kCustomerLeftStore);
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(leaves[0].customer_id, "alice");
  EXPECT_EQ(leaves[0].visit_id, visit_id);
  EXPECT_EQ(leaves[0].store_id, "bistro");
  EXPECT_EQ(leaves[0].zone_id, "table-3");
  EXPECT_EQ(leaves[0].signal, domain::Signal::kSilence);
  EXPECT_EQ(leaves[0].occurred_at, swept_at);  // the sweep time, see the header
  EXPECT_FALSE(leaves[0].event_id.empty());
  EXPECT_EQ(raw_ledger_.size(), 4u);  // identified, entered, seated, left
  EXPECT_FALSE(open_visit().has_value());
  ASSERT_TRUE(raw_ledger_.visits("alice", 10)->front().left_at.has_value());
  EXPECT_FALSE(presence_.load("alice")->presence.has_value());
  EXPECT_EQ(index_.size(), 0u);

  // Later sweeps find nothing more to do.
  clock_.advance(1h);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 0u);
  EXPECT_EQ(published(EventType::kCustomerLeftStore).size(), 1u);
  EXPECT_EQ(raw_ledger_.size(), 4u);
}

TEST_F(LeaveDetectionTest, SeenAgainBeforeTheDeadlineIsNotLeft) {
  ASSERT_TRUE(seen_at(3).has_value());
  clock_.advance(9min);
  ASSERT_TRUE(seen_at(3).has_value());  // changes nothing durable, but counts as seen
  EXPECT_EQ(raw_ledger_.size(), 3u);
  clock_.advance(2min);  // 11 min after the first sighting, 2 after the last
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 0u);
  EXPECT_TRUE(published(EventType::kCustomerLeftStore).empty());
  EXPECT_TRUE(open_visit().has_value());
  EXPECT_EQ(index_.size(), 1u);

  clock_.advance(8min + 1s);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 1u);
  EXPECT_EQ(published(EventType::kCustomerLeftStore).size(), 1u);
}

TEST_F(LeaveDetectionTest, OnlyTheSilentCustomersLeave) {
  ASSERT_TRUE(seen_at(3, "alice").has_value());
  clock_.advance(5min);
  ASSERT_TRUE(seen_at(2, "bob").has_value());
  clock_.advance(6min);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 1u);
  ASSERT_EQ(published(EventType::kCustomerLeftStore).size(), 1u);
  EXPECT_EQ(published(EventType::kCustomerLeftStore)[0].customer_id, "alice");
  EXPECT_TRUE(open_visit("bob").has_value());
}

TEST_F(LeaveDetectionTest, TwoInstancesSweepingTheSameCustomerEmitOneEvent) {
  ASSERT_TRUE(seen_at(3).has_value());
  clock_.advance(11min);
  auto other = instance();
  EXPECT_EQ(leave_->sweep(clock_.now()).value() + other->sweep(clock_.now()).value(), 1u);
  EXPECT_EQ(published(EventType::kCustomerLeftStore).size(), 1u);
  EXPECT_EQ(raw_ledger_.size(), 4u);
}

TEST_F(LeaveDetectionTest, TwoInstancesRacingOnTheSameOpenVisitEmitOneEvent) {
  ASSERT_TRUE(seen_at(3).has_value());
  clock_.advance(11min);
  // Instance b has read the open visit; instance a records the leave before
  // b records it. b's compare-and-set must lose.
  SwitchableLedger b_ledger(raw_ledger_);
  auto a = instance();
  auto b = instance(&b_ledger);
  std::size_t a_left = 0;
  b_ledger.before_record = [&] { a_left = a->sweep(clock_.now()).value(); };
  auto b_left = b->sweep(clock_.now());
  ASSERT_TRUE(b_left.has_value()) << b_left.error().message;
  EXPECT_EQ(a_left, 1u);
  EXPECT_EQ(*b_left, 0u);
  EXPECT_EQ(published(EventType::kCustomerLeftStore).size(), 1u);
  EXPECT_EQ(raw_ledger_.size(), 4u);
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_FALSE(presence_.load("alice")->presence.has_value());
}

TEST_F(LeaveDetectionTest, LedgerDownMeansNoEventAndTheNextSweepRetries) {
  ASSERT_TRUE(seen_at(3).has_value());
  clock_.advance(11min);
  ledger_.down = true;
  auto failed = leave_->sweep(clock_.now());
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(published(EventType::kCustomerLeftStore).empty());
  EXPECT_EQ(index_.size(), 1u);  // still to do
  EXPECT_TRUE(presence_.load("alice")->presence.has_value());

  ledger_.down = false;
  clock_.advance(30s);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 1u);
  EXPECT_EQ(published(EventType::kCustomerLeftStore).size(), 1u);
  EXPECT_FALSE(open_visit().has_value());
}

TEST_F(LeaveDetectionTest, AfterLeavingTheNextSightingStartsANewVisit) {
  ASSERT_TRUE(seen_at(3).has_value());
  const std::string first_visit = open_visit()->visit_id;
  clock_.advance(11min);
  ASSERT_EQ(leave_->sweep(clock_.now()).value(), 1u);

  clock_.advance(1h);
  auto back = seen_at(3);  // the same table as before
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_TRUE(back->location_changed);
  EXPECT_EQ(back->event_ids.size(), 3u);  // identified, entered, seated
  ASSERT_TRUE(open_visit().has_value());
  EXPECT_NE(open_visit()->visit_id, first_visit);
  EXPECT_EQ(raw_ledger_.visits("alice", 10)->size(), 2u);
  EXPECT_EQ(published(EventType::kCustomerEnteredStore).size(), 2u);
  EXPECT_EQ(index_.size(), 1u);
}

// The state a lost race can leave behind: the ledger closed the visit, but
// the presence store still places the customer in it.
class StalePresenceTest : public LeaveDetectionTest {
 protected:
  void close_visit_in_ledger_only() {
    const auto open = open_visit();
    ASSERT_TRUE(open.has_value());
    ASSERT_TRUE(raw_ledger_.record("alice", open, std::nullopt, {}, std::nullopt).has_value());
    ASSERT_TRUE(presence_.load("alice")->presence.has_value());
  }
};

TEST_F(StalePresenceTest, IdentifyStartsANewVisitWhenTheCustomerIsSeenInAnotherZone) {
  ASSERT_TRUE(seen_at(3).has_value());
  const std::string first_visit = open_visit()->visit_id;
  close_visit_in_ledger_only();

  // The ledger's compare-and-set rejects a move based on the closed visit;
  // the use case re-reads "no open visit" and starts one.
  std::optional<IdentifyResponse> last;
  for (int i = 0; i < 8 && (!last || last->location.zone_id != "table-4"); ++i) {
    clock_.advance(1s);
    auto response = seen_at(4);
    ASSERT_TRUE(response.has_value()) << response.error().message;
    last = *response;
  }
  ASSERT_EQ(last->location.zone_id, "table-4");
  EXPECT_EQ(last->event_ids.size(), 3u);  // identified, entered, seated
  ASSERT_TRUE(open_visit().has_value());
  EXPECT_NE(open_visit()->visit_id, first_visit);
  EXPECT_EQ(presence_.load("alice")->presence->visit_id, open_visit()->visit_id);
}

// A visit closed behind presence's back (only possible when a sighting races
// the sweep; IdentifyCustomerUseCase::save_presence rebases on the sweep's
// write) is repaired by the next sweep:
TEST_F(StalePresenceTest, TheSweepClearsPresenceOfAClosedVisitSoTheSameZoneStartsANewOne) {
  ASSERT_TRUE(seen_at(3).has_value());
  close_visit_in_ledger_only();
  clock_.advance(11min);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 0u);  // nothing open to leave
  EXPECT_TRUE(published(EventType::kCustomerLeftStore).empty());
  EXPECT_FALSE(presence_.load("alice")->presence.has_value());
  EXPECT_EQ(index_.size(), 0u);

  clock_.advance(1s);
  auto back = seen_at(3);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->event_ids.size(), 3u);
  EXPECT_TRUE(open_visit().has_value());
}

TEST_F(LeaveDetectionTest, AnIndexedCustomerWithoutAVisitIsDroppedQuietly) {
  ASSERT_TRUE(index_.touch("ghost", clock_.now()).has_value());
  clock_.advance(11min);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 0u);
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_TRUE(events_.published().empty());
}

TEST_F(LeaveDetectionTest, AnIndexBehindThePresenceRecordDoesNotMakeAnyoneLeave) {
  ASSERT_TRUE(seen_at(3).has_value());
  clock_.advance(9min);
  ASSERT_TRUE(seen_at(3).has_value());
  index_.set("alice", clock_.now() - 9min);  // as if the last save missed the index
  clock_.advance(2min);
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 0u);
  EXPECT_TRUE(open_visit().has_value());
  EXPECT_EQ(leave_->sweep(clock_.now()).value(), 0u);  // re-indexed: not even a candidate now
  EXPECT_TRUE(index_.stale(clock_.now() - 10min, 10)->empty());
}

TEST(InMemoryLastSeenIndex, ListsTheOldestFirstAndForgetsOnlyWhatIsStillOld) {
  testing::InMemoryLastSeenIndex index;
  const domain::Timestamp t0{std::chrono::seconds(1000)};
  ASSERT_TRUE(index.touch("b", t0 + 2s).has_value());
  ASSERT_TRUE(index.touch("a", t0 + 1s).has_value());
  ASSERT_TRUE(index.touch("c", t0 + 3s).has_value());
  ASSERT_TRUE(index.touch("a", t0).has_value());  // never moves back
  EXPECT_EQ(index.stale(t0 + 2s, 10).value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(index.stale(t0 + 5s, 2).value(), (std::vector<std::string>{"a", "b"}));

  ASSERT_TRUE(index.touch("b", t0 + 10s).has_value());  // seen again
  ASSERT_TRUE(index.forget("b", t0 + 2s).has_value());
  ASSERT_TRUE(index.forget("a", t0 + 2s).has_value());
  EXPECT_EQ(index.stale(t0 + 20s, 10).value(), (std::vector<std::string>{"c", "b"}));
}

}  // namespace
}  // namespace tastesync::application
