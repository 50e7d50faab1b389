// The worker pool's admission rules (admission_policy.h), with time handed in
// by the test: every decision is deterministic, nothing sleeps.

#include "infrastructure/grpc/admission_policy.h"

#include <gtest/gtest.h>

namespace tastesync::infrastructure::grpc_adapter {
namespace {

using namespace std::chrono_literals;
using TimePoint = AdmissionPolicy::TimePoint;
constexpr TimePoint kNoDeadline = TimePoint::max();

// Two workers, a 100 ms target, shedding after 5 targets (500 ms) over it.
class AdmissionPolicyTest : public ::testing::Test {
 protected:
  // The workers are behind and start one request every `interval`.
  void measure_start_interval(std::chrono::milliseconds interval) {
    for (int i = 0; i < 10; ++i) {
      policy_.started(now_, /*still_queued=*/5);
      now_ += interval;
    }
  }
  // Arrivals every 50 ms behind `queued` requests (both workers busy, the
  // oldest `oldest_age` old) until the pool sheds; how long that took.
  std::chrono::milliseconds arrive_until_shedding(std::size_t queued, std::chrono::milliseconds oldest_age) {
    for (std::chrono::milliseconds took{0}; took < 10s; took += 50ms, now_ += 50ms) {
      const auto refused = policy_.admit(now_, queued, now_ - oldest_age, 2, kNoDeadline);
      if (policy_.shedding()) return took;
      EXPECT_FALSE(refused) << "refused before shedding";
    }
    return 10s;
  }

  TimePoint now_{std::chrono::hours(1)};
  AdmissionPolicy policy_{AdmissionOptions{.workers = 2, .max_queued = 1000, .max_queue_delay = 100ms}};
};

TEST_F(AdmissionPolicyTest, AdmitsWhileAWorkerIsFreeWhateverTheEstimates) {
  measure_start_interval(80ms);
  policy_.ran(500ms);
  EXPECT_EQ(policy_.expected_wait(0, 1), 0ms);
  EXPECT_FALSE(policy_.admit(now_, 0, now_, 1, kNoDeadline));
}

TEST_F(AdmissionPolicyTest, EstimatesTheWaitFromTheQueueAheadAndThePace) {
  measure_start_interval(10ms);
  // Both workers busy, 9 waiting: this one starts after 10 more starts.
  EXPECT_EQ(policy_.expected_wait(9, 2), 100ms);
  EXPECT_EQ(policy_.expected_wait(0, 2), 10ms);
}

TEST_F(AdmissionPolicyTest, UsesRunTimesUntilThePaceIsMeasured) {
  policy_.ran(40ms);
  // Two workers of 40 ms start one every 20 ms; 2 busy + 3 queued: 4 starts.
  EXPECT_EQ(policy_.expected_wait(3, 2), 80ms);
}

TEST_F(AdmissionPolicyTest, StartsSeparatedByAnEmptyQueueDoNotCountAsTheWorkersPace) {
  policy_.started(now_, 0);
  now_ += 5s;  // nothing waited: this gap is the callers' pace, not the pool's
  policy_.started(now_, 4);
  now_ += 10ms;
  policy_.started(now_, 3);
  EXPECT_EQ(policy_.start_interval(), 10ms);
}

TEST_F(AdmissionPolicyTest, OneStallAmongManyStartsBarelyMovesThePace) {
  policy_.started(now_, 40);
  for (std::size_t i = 1; i < AdmissionPolicy::kPaceSamples; ++i) {
    now_ += 1ms;
    policy_.started(now_, 40);
  }
  now_ += 65ms;  // the machine stalled once
  policy_.started(now_, 40);
  EXPECT_EQ(policy_.start_interval(), 2ms);  // (63 x 1 ms + 65 ms) / 64
  // The oldest of the last 64 gaps leaves the average as new ones come.
  for (std::size_t i = 0; i < AdmissionPolicy::kPaceSamples; ++i) {
    now_ += 1ms;
    policy_.started(now_, 40);
  }
  EXPECT_EQ(policy_.start_interval(), 1ms);
}

TEST_F(AdmissionPolicyTest, EstimatesOfARunFollowTheLoadAsAMovingAverage) {
  policy_.ran(10ms);
  EXPECT_EQ(policy_.expected_run(), 10ms);
  policy_.ran(90ms);
  EXPECT_EQ(policy_.expected_run(), 20ms);  // an eighth of the way
}

TEST_F(AdmissionPolicyTest, AStallOrBurstShorterThanFiveTargetsPassesWhole) {
  measure_start_interval(10ms);
  // 20 queued: a 210 ms wait, over the target, for 450 ms: all admitted.
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(policy_.admit(now_, 20, now_ - 10ms, 2, kNoDeadline));
    now_ += 50ms;
  }
  EXPECT_FALSE(policy_.shedding());
  // One arrival under the target ends it; a new stall starts afresh.
  EXPECT_FALSE(policy_.admit(now_, 0, now_, 1, kNoDeadline));
  EXPECT_EQ(arrive_until_shedding(20, 10ms), 500ms);
}

TEST_F(AdmissionPolicyTest, AStandingQueueIsShedAtTheTargetUntilItHasGone) {
  measure_start_interval(10ms);
  // Over the target by the oldest request's age for five targets: shedding.
  EXPECT_EQ(arrive_until_shedding(1, 150ms), 500ms);
  // Now whatever would wait past the target is refused at once ...
  EXPECT_EQ(policy_.admit(now_, 10, now_ - 10ms, 2, kNoDeadline), Shed::kQueueDelay);  // 110 ms
  EXPECT_EQ(policy_.admit(now_, 1, now_ - 101ms, 2, kNoDeadline), Shed::kQueueDelay);
  EXPECT_FALSE(policy_.admit(now_, 9, now_ - 10ms, 2, kNoDeadline));  // 100 ms: within it
  // ... and one that waited past it anyway is dropped at the head.
  EXPECT_EQ(policy_.take(now_, now_ - 101ms, kNoDeadline, false), Shed::kQueueTimeout);
  EXPECT_FALSE(policy_.take(now_, now_ - 100ms, kNoDeadline, false));
  // A moment under the target does not end it; five targets under it do.
  for (int i = 0; i < 9; ++i) {
    now_ += 50ms;
    EXPECT_FALSE(policy_.admit(now_, 1, now_ - 10ms, 2, kNoDeadline));
    EXPECT_TRUE(policy_.shedding());
  }
  now_ += 50ms;
  EXPECT_FALSE(policy_.admit(now_, 1, now_ - 10ms, 2, kNoDeadline));
  EXPECT_FALSE(policy_.shedding());
  EXPECT_FALSE(policy_.take(now_, now_ - 300ms, kNoDeadline, false));
}

TEST_F(AdmissionPolicyTest, AQueueEmptiedBySheddingKeepsShedding) {
  measure_start_interval(10ms);
  arrive_until_shedding(1, 150ms);
  ASSERT_TRUE(policy_.shedding());
  policy_.started(now_, 0);  // the shedding emptied the queue ...
  EXPECT_TRUE(policy_.shedding());
  // ... and the next wave is refused past the target at once, not after
  // waiting five targets again.
  EXPECT_EQ(policy_.admit(now_, 20, now_, 2, kNoDeadline), Shed::kQueueDelay);  // 210 ms
  EXPECT_FALSE(policy_.admit(now_, 0, now_, 2, kNoDeadline));                   // 10 ms: admitted
}

TEST_F(AdmissionPolicyTest, FiveTargetsOfWaitAreRefusedAndDroppedAtAnyTime) {
  measure_start_interval(10ms);
  EXPECT_FALSE(policy_.admit(now_, 49, now_, 2, kNoDeadline));  // 500 ms
  EXPECT_EQ(policy_.admit(now_, 50, now_, 2, kNoDeadline), Shed::kQueueDelay);
  EXPECT_EQ(policy_.admit(now_, 1, now_ - 501ms, 2, kNoDeadline), Shed::kQueueDelay);
  EXPECT_EQ(policy_.take(now_, now_ - 501ms, kNoDeadline, false), Shed::kQueueTimeout);
  EXPECT_FALSE(policy_.shedding()) << "refused beyond doubt, not yet a standing queue";
}

TEST_F(AdmissionPolicyTest, RefusesWhenFull) {
  EXPECT_EQ(policy_.admit(now_, 1000, now_, 0, kNoDeadline), Shed::kQueueFull);
  EXPECT_FALSE(policy_.admit(now_, 999, now_, 0, kNoDeadline));
}

TEST_F(AdmissionPolicyTest, RefusesWhatCouldNotFinishBeforeItsDeadline) {
  measure_start_interval(10ms);
  policy_.ran(30ms);
  // 4 queued: a 50 ms wait, then a 30 ms run.
  EXPECT_FALSE(policy_.admit(now_, 4, now_, 2, now_ + 80ms));
  EXPECT_EQ(policy_.admit(now_, 4, now_, 2, now_ + 79ms), Shed::kNoTimeLeft);
  // Already expired: not an overload, whatever the queue.
  EXPECT_EQ(policy_.admit(now_, 0, now_, 0, now_), Shed::kDeadlinePassed);
}

TEST_F(AdmissionPolicyTest, DropsAtTheHeadWhatNobodyWaitsFor) {
  policy_.ran(30ms);
  const TimePoint queued = now_ - 50ms;
  EXPECT_FALSE(policy_.take(now_, queued, now_ + 30ms, false));
  EXPECT_EQ(policy_.take(now_, queued, now_ + 29ms, false), Shed::kDeadlinePassed);  // cannot finish in time
  EXPECT_EQ(policy_.take(now_, queued, now_ - 1ms, false), Shed::kDeadlinePassed);
  EXPECT_EQ(policy_.take(now_, queued, kNoDeadline, true), Shed::kCallerGone);
}

TEST(ShedReasons, RefusalsAskForARetryDropsSayNobodyWaits) {
  for (const Shed refusal :
       {Shed::kQueueFull, Shed::kQueueDelay, Shed::kNoTimeLeft, Shed::kQueueTimeout, Shed::kStopping}) {
    EXPECT_TRUE(is_refusal(refusal)) << to_string(refusal);
  }
  EXPECT_FALSE(is_refusal(Shed::kDeadlinePassed));
  EXPECT_FALSE(is_refusal(Shed::kCallerGone));
  EXPECT_STREQ(to_string(Shed::kNoTimeLeft), "no_time_left");
  EXPECT_STREQ(to_string(Shed::kQueueTimeout), "queue_timeout");
}

}  // namespace
}  // namespace tastesync::infrastructure::grpc_adapter
