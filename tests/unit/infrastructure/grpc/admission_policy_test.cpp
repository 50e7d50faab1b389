// The worker pool's admission rules (admission_policy.h), with time handed in
// by the test: every decision is deterministic, nothing sleeps.

#include "infrastructure/grpc/admission_policy.h"

#include <gtest/gtest.h>

namespace tastesync::infrastructure::grpc_adapter {
namespace {

using namespace std::chrono_literals;
using TimePoint = AdmissionPolicy::TimePoint;
constexpr TimePoint kNoDeadline = TimePoint::max();

class AdmissionPolicyTest : public ::testing::Test {
 protected:
  // Two workers behind, starting one request every `interval`.
  void measure_start_interval(std::chrono::milliseconds interval) {
    for (int i = 0; i < 10; ++i) {
      policy_.started(now_, /*still_queued=*/5);
      now_ += interval;
    }
  }

  TimePoint now_{std::chrono::hours(1)};
  AdmissionPolicy policy_{AdmissionOptions{.workers = 2, .max_queued = 50, .max_queue_delay = 100ms}};
};

TEST_F(AdmissionPolicyTest, AdmitsWhileAWorkerIsFreeWhateverTheEstimates) {
  measure_start_interval(80ms);
  policy_.ran(500ms);
  EXPECT_EQ(policy_.expected_wait(0, 1), 0ms);
  EXPECT_FALSE(policy_.admit(now_, 0, now_, 1, kNoDeadline));
}

TEST_F(AdmissionPolicyTest, RefusesABurstBeforeTheHeadHasAged) {
  measure_start_interval(10ms);
  // Both workers busy, 9 waiting: this one starts after 10 more starts, 100 ms.
  EXPECT_EQ(policy_.expected_wait(9, 2), 100ms);
  EXPECT_FALSE(policy_.admit(now_, 9, now_ - 1ms, 2, kNoDeadline));
  // One more ahead would make it 110 ms: refused, though the head waited 1 ms.
  EXPECT_EQ(policy_.admit(now_, 10, now_ - 1ms, 2, kNoDeadline), Shed::kQueueDelay);
}

TEST_F(AdmissionPolicyTest, RefusesBehindAStandingQueueAndWhenFull) {
  measure_start_interval(1ms);
  EXPECT_FALSE(policy_.admit(now_, 3, now_ - 100ms, 2, kNoDeadline));
  EXPECT_EQ(policy_.admit(now_, 3, now_ - 101ms, 2, kNoDeadline), Shed::kQueueDelay);
  EXPECT_EQ(policy_.admit(now_, 50, now_, 2, kNoDeadline), Shed::kQueueFull);
}

TEST_F(AdmissionPolicyTest, StartsSeparatedByAnEmptyQueueDoNotCountAsTheWorkersPace) {
  policy_.started(now_, 0);
  now_ += 5s;  // nothing waited: this gap is the callers' pace, not the pool's
  policy_.started(now_, 4);
  now_ += 10ms;
  policy_.started(now_, 3);
  EXPECT_EQ(policy_.start_interval(), 10ms);
}

TEST_F(AdmissionPolicyTest, UsesRunTimesUntilThePaceIsMeasured) {
  policy_.ran(40ms);
  // Two workers of 40 ms start one every 20 ms; 2 busy + 3 queued: 4 starts.
  EXPECT_EQ(policy_.expected_wait(3, 2), 80ms);
}

TEST_F(AdmissionPolicyTest, EstimatesFollowTheLoadAsAMovingAverage) {
  policy_.ran(10ms);
  EXPECT_EQ(policy_.expected_run(), 10ms);
  policy_.ran(90ms);
  EXPECT_EQ(policy_.expected_run(), 20ms);  // an eighth of the way
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

TEST_F(AdmissionPolicyTest, DropsAtTheHeadWhatNobodyWaitsForOrWaitedFarTooLong) {
  policy_.ran(30ms);
  const TimePoint queued = now_ - 50ms;
  EXPECT_FALSE(policy_.take(now_, queued, now_ + 30ms, false));
  EXPECT_EQ(policy_.take(now_, queued, now_ + 29ms, false), Shed::kDeadlinePassed);  // cannot finish in time
  EXPECT_EQ(policy_.take(now_, queued, now_ - 1ms, false), Shed::kDeadlinePassed);
  EXPECT_EQ(policy_.take(now_, queued, kNoDeadline, true), Shed::kCallerGone);
  EXPECT_FALSE(policy_.take(now_, now_ - 100ms, kNoDeadline, false));
  EXPECT_EQ(policy_.take(now_, now_ - 101ms, kNoDeadline, false), Shed::kQueueTimeout);
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
