// IdentifyCustomerUseCase::identify_without_waiting: a sighting that changes
// nothing is answered from a lent copy, or without one from a read that does
// not wait, once its write is acknowledged, with the answer identify() would
// give; anything else is left to identify().

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "application/use_cases/identify_customer_use_case.h"
#include "mocks/fake_clock.h"
#include "mocks/fake_ports.h"
#include "mocks/in_memory_ports.h"
#include "mocks/lending_request_state.h"
#include "support/test_floor_plan.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;

class IdentifyWithoutWaitingTest : public ::testing::Test {
 protected:
  IdentifyWithoutWaitingTest()
      : registry_(testing::test_floor_plan()),
        idempotency_(1000, std::chrono::hours(1), clock_),
        request_state_(presence_, idempotency_),
        use_case_(IdentifyDependencies{registry_, presence_, ledger_, events_, idempotency_, request_state_, table_qr_,
                                       clock_, ids_},
                  domain::ResolverSettings{}, IdentifyLimits{}) {}

  IdentifyRequest at(unsigned strongest) {
    IdentifyRequest request;
    request.request_id = "req-" + std::to_string(++requests_);
    for (unsigned minor = 0; minor <= 4; ++minor) {
      request.sightings.push_back(
          {testing::kTestUuid, 1, minor, minor == strongest ? -50 : -85, std::nullopt, clock_.now()});
    }
    return request;
  }
  // Seats alice at table 3 the blocking way.
  void seat_at_table_3() {
    clock_.advance(std::chrono::seconds(1));
    auto seated = use_case_.identify(alice_, at(3));
    ASSERT_TRUE(seated) << seated.error().message;
    ASSERT_EQ(seated->location.zone_id, "table-3");
  }
  // What identify_without_waiting answered: nothing yet, "run identify()"
  // (nullopt inside), or an answer.
  struct Outcome {
    bool called = false;
    std::optional<domain::Result<IdentifyResponse>> answer;
  };
  Outcome start(const IdentifyRequest& request, const Principal& who) {
    clock_.advance(std::chrono::seconds(1));
    Outcome outcome;
    use_case_.identify_without_waiting(who, request, [&outcome](std::optional<domain::Result<IdentifyResponse>> got) {
      EXPECT_FALSE(outcome.called) << "done called twice";
      outcome.called = true;
      outcome.answer = std::move(got);
    });
    return outcome;
  }

  Principal alice_{"alice", Role::kCustomer, "", {}, {}};
  testing::FakeClock clock_;
  testing::InMemoryBeaconRegistry registry_;
  infrastructure::InMemoryPresenceStore presence_;
  testing::InMemoryVisitLedger ledger_;
  testing::InMemoryEventPublisher events_;
  infrastructure::InMemoryIdempotencyStore idempotency_;
  testing::LendingRequestState request_state_;
  testing::FakeTableQr table_qr_;
  testing::SequentialIds ids_;
  IdentifyCustomerUseCase use_case_;
  int requests_ = 0;
};

TEST_F(IdentifyWithoutWaitingTest, ASightingThatChangesNothingIsAnsweredOnceItsWriteIsAcknowledged) {
  seat_at_table_3();
  const auto version_before = presence_.load("alice")->version;
  // The outcome can only be known once the write is: nothing is answered
  // before the commit's reply.
  const IdentifyRequest request = at(3);
  Outcome outcome;
  use_case_.identify_without_waiting(alice_, request, [&outcome](auto got) {
    outcome.called = true;
    outcome.answer = std::move(got);
  });
  EXPECT_FALSE(outcome.called);
  ASSERT_EQ(request_state_.waiting.size(), 1u);
  request_state_.deliver();
  ASSERT_TRUE(outcome.called);
  ASSERT_TRUE(outcome.answer.has_value()) << "the common case was left to identify()";
  ASSERT_TRUE(*outcome.answer) << outcome.answer->error().message;
  const IdentifyResponse& answer = **outcome.answer;
  EXPECT_EQ(answer.customer_id, "alice");
  EXPECT_EQ(answer.location.zone_id, "table-3");
  EXPECT_FALSE(answer.location_changed);
  EXPECT_TRUE(answer.event_ids.empty());
  // Written like identify() writes it: the record moved on, the ledger did not.
  EXPECT_GT(presence_.load("alice")->version, version_before);
  EXPECT_EQ(ledger_.size(), 3u);
  // A retry of the same request (the blocking way) gets this very answer.
  auto retry = use_case_.identify(alice_, request);
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->location.zone_id, "table-3");
}

TEST_F(IdentifyWithoutWaitingTest, AMoveIsLeftToIdentifyAndNothingIsWritten) {
  seat_at_table_3();
  // Alice walks to table 1: the reports that do not yet move her are
  // answered here, still at table 3; the one that would move her is left
  // to identify(), since the ledger records moves.
  bool left_to_identify = false;
  for (int report = 0; report < 10 && !left_to_identify; ++report) {
    Outcome outcome = start(at(1), alice_);
    if (!outcome.called) {
      request_state_.deliver();
      ASSERT_TRUE(outcome.called);
    }
    if (!outcome.answer) {
      left_to_identify = true;
      continue;
    }
    ASSERT_TRUE(*outcome.answer) << outcome.answer->error().message;
    EXPECT_EQ((*outcome.answer)->location.zone_id, "table-3");
    EXPECT_FALSE((*outcome.answer)->location_changed);
  }
  EXPECT_TRUE(left_to_identify) << "ten reports at table 1 never moved her";
  EXPECT_TRUE(request_state_.waiting.empty());
  EXPECT_EQ(ledger_.size(), 3u);
  // identify() then records the move.
  clock_.advance(std::chrono::seconds(1));
  auto moved = use_case_.identify(alice_, at(1));
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(moved->location.zone_id, "table-1");
  EXPECT_TRUE(moved->location_changed);
}

TEST_F(IdentifyWithoutWaitingTest, WithoutACopyTheRecordIsReadWithoutWaitingThenWritten) {
  seat_at_table_3();
  request_state_.lending = false;
  const auto version_before = presence_.load("alice")->version;
  // The request ends with the call (as a transport's translated one does):
  // the read's continuation must not need it.
  Outcome outcome = start(at(3), alice_);
  // First the read, then the write: nothing is answered before both.
  EXPECT_FALSE(outcome.called);
  ASSERT_EQ(request_state_.waiting.size(), 1u);
  request_state_.deliver();
  EXPECT_FALSE(outcome.called) << "answered before the write";
  ASSERT_EQ(request_state_.waiting.size(), 1u);
  request_state_.deliver();
  ASSERT_TRUE(outcome.called);
  ASSERT_TRUE(outcome.answer.has_value()) << "the common case was left to identify()";
  ASSERT_TRUE(*outcome.answer) << outcome.answer->error().message;
  EXPECT_EQ((*outcome.answer)->location.zone_id, "table-3");
  EXPECT_FALSE((*outcome.answer)->location_changed);
  EXPECT_GT(presence_.load("alice")->version, version_before);
  EXPECT_EQ(ledger_.size(), 3u);
}

TEST_F(IdentifyWithoutWaitingTest, AStoreWhoseZoneModelIsNotBuiltYetIsLeftToIdentify) {
  seat_at_table_3();
  // The plan changed (a new calibration, a zone added): its models are built
  // on first use, which can take seconds, so not on a thread that must not block.
  registry_.replace(testing::test_floor_plan());
  ASSERT_FALSE(registry_.current()->zone_model_built(presence_.load("alice")->resolver.store_id));
  for (const bool lent : {true, false}) {
    request_state_.lending = lent;
    const Outcome outcome = start(at(3), alice_);
    if (!outcome.called) request_state_.deliver();
    ASSERT_TRUE(outcome.called);
    EXPECT_FALSE(outcome.answer.has_value()) << (lent ? "from the copy" : "read without waiting");
    EXPECT_TRUE(request_state_.waiting.empty());
  }
  // identify() builds it; after that the path is open again.
  clock_.advance(std::chrono::seconds(1));
  ASSERT_TRUE(use_case_.identify(alice_, at(3)));
  request_state_.lending = true;
  const IdentifyRequest request = at(3);
  Outcome outcome = start(request, alice_);
  request_state_.deliver();
  ASSERT_TRUE(outcome.called);
  ASSERT_TRUE(outcome.answer.has_value());
  EXPECT_TRUE(*outcome.answer);
}

TEST_F(IdentifyWithoutWaitingTest, NoCopyAndNoReadWithoutWaitingMeansIdentify) {
  seat_at_table_3();
  request_state_.lending = false;
  request_state_.reading_later = false;
  const Outcome outcome = start(at(3), alice_);
  ASSERT_TRUE(outcome.called);
  EXPECT_FALSE(outcome.answer.has_value());
  EXPECT_TRUE(request_state_.waiting.empty());
}

TEST_F(IdentifyWithoutWaitingTest, AReadThatFailsIsLeftToIdentifyAndWritesNothing) {
  seat_at_table_3();
  request_state_.lending = false;
  request_state_.read_error = domain::Error{ErrorCode::kUnavailable, "redis: no reply within 100 ms", ""};
  const auto version_before = presence_.load("alice")->version;
  const IdentifyRequest request = at(3);
  Outcome outcome = start(request, alice_);
  EXPECT_FALSE(outcome.called);
  request_state_.deliver();
  ASSERT_TRUE(outcome.called);
  EXPECT_FALSE(outcome.answer.has_value());
  EXPECT_TRUE(request_state_.waiting.empty());
  EXPECT_EQ(presence_.load("alice")->version, version_before);
}

TEST_F(IdentifyWithoutWaitingTest, ARetryOfAnAnsweredRequestReadWithoutWaitingIsReplayedByIdentify) {
  seat_at_table_3();
  const IdentifyRequest request = at(3);
  auto first = use_case_.identify(alice_, request);
  ASSERT_TRUE(first) << first.error().message;
  request_state_.lending = false;
  const auto version_before = presence_.load("alice")->version;
  Outcome outcome = start(request, alice_);
  request_state_.deliver();
  ASSERT_TRUE(outcome.called);
  EXPECT_FALSE(outcome.answer.has_value()) << "a retry was answered anew";
  EXPECT_TRUE(request_state_.waiting.empty());
  EXPECT_EQ(presence_.load("alice")->version, version_before);
  auto replayed = use_case_.identify(alice_, request);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_TRUE(replayed->replayed);
}

TEST_F(IdentifyWithoutWaitingTest, AWriteThatLosesItsCompareAndSetIsLeftToIdentify) {
  seat_at_table_3();
  request_state_.outcome = domain::fail(ErrorCode::kAborted, "presence of customer changed concurrently; retry");
  Outcome outcome = start(at(3), alice_);
  EXPECT_FALSE(outcome.called);
  request_state_.deliver();
  ASSERT_TRUE(outcome.called);
  EXPECT_FALSE(outcome.answer.has_value()) << "answered although the write did not happen";
}

TEST_F(IdentifyWithoutWaitingTest, AnUnavailableStoreIsLeftToIdentify) {
  seat_at_table_3();
  request_state_.outcome = domain::fail(ErrorCode::kUnavailable, "redis: no reply within 100 ms");
  Outcome outcome = start(at(3), alice_);
  request_state_.deliver();
  ASSERT_TRUE(outcome.called);
  EXPECT_FALSE(outcome.answer.has_value());
}

TEST_F(IdentifyWithoutWaitingTest, AWriteThatCannotBeSentIsLeftToIdentifyAtOnce) {
  seat_at_table_3();
  request_state_.accepting = false;
  const Outcome outcome = start(at(3), alice_);
  ASSERT_TRUE(outcome.called);
  EXPECT_FALSE(outcome.answer.has_value());
}

TEST_F(IdentifyWithoutWaitingTest, ACustomerNeverSeenIsLeftToIdentify) {
  const Outcome outcome = start(at(3), alice_);
  ASSERT_TRUE(outcome.called);
  // Lent a version-0 record, unconfirmed: the ledger must be asked.
  EXPECT_FALSE(outcome.answer.has_value());
  EXPECT_TRUE(request_state_.waiting.empty());
  // The same when the record is read without waiting.
  request_state_.lending = false;
  const IdentifyRequest request = at(3);
  Outcome read = start(request, alice_);
  request_state_.deliver();
  ASSERT_TRUE(read.called);
  EXPECT_FALSE(read.answer.has_value());
  EXPECT_TRUE(request_state_.waiting.empty());
}

TEST_F(IdentifyWithoutWaitingTest, BadRequestsAndOtherCallersAreLeftToIdentifyWhichNamesTheError) {
  seat_at_table_3();
  IdentifyRequest no_id = at(3);
  no_id.request_id.clear();
  IdentifyRequest qr;
  qr.request_id = "scan-1";
  qr.table_qr = "table-qr-payload";
  IdentifyRequest unknown_beacons;
  unknown_beacons.request_id = "unknown-1";
  unknown_beacons.sightings.push_back({testing::kTestUuid, 77, 7, -50, std::nullopt, clock_.now()});
  const Principal staff{"waiter", Role::kStaff, "bistro", {}, {}};
  for (const auto& [request, who] :
       {std::pair{no_id, alice_}, std::pair{qr, alice_}, std::pair{unknown_beacons, alice_}, std::pair{at(3), staff}}) {
    const Outcome outcome = start(request, who);
    ASSERT_TRUE(outcome.called);
    EXPECT_FALSE(outcome.answer.has_value()) << request.request_id;
    // identify() gives the error, with the field named where there is one.
    auto refused = use_case_.identify(who, request);
    EXPECT_FALSE(refused) << request.request_id;
  }
  EXPECT_TRUE(request_state_.waiting.empty());
}

}  // namespace
}  // namespace tastesync::application
