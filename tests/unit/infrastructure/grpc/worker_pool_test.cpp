// Overload is shed, not queued (worker_pool.h): with no worker threads the
// test runs the queue itself and moves a fake clock, so every decision is
// deterministic.

#include "infrastructure/grpc/worker_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error_details.pb.h"
#include "infrastructure/grpc/pooled_call.h"
#include "infrastructure/grpc/status_mapping.h"
#include "infrastructure/http/http_error_mapping.h"
#include "status.pb.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

using namespace std::chrono_literals;

class WorkerPoolTest : public ::testing::Test {
 protected:
  WorkerJob job(const std::string& name,
                std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max()) {
    return WorkerJob{.run = [this, name] { ran.push_back(name); },
                     .shed = [this, name](Shed why) { dropped.push_back(name + ":" + to_string(why)); },
                     .deadline = deadline,
                     .caller_gone = [this, name] { return gone == name; }};
  }

  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
  WorkerPool pool_{
      WorkerPoolOptions{.threads = 0, .max_queued = 3, .max_queue_delay = 100ms, .now = [this] { return now_; }}};
  std::vector<std::string> ran, dropped;
  std::string gone;
};

TEST_F(WorkerPoolTest, RunsInOrderWhileTheQueueKeepsUp) {
  EXPECT_FALSE(pool_.post(job("a")));
  EXPECT_FALSE(pool_.post(job("b")));
  while (pool_.run_next()) {
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(pool_.run_next());
}

TEST_F(WorkerPoolTest, RefusesAStandingQueueButLetsABurstPass) {
  WorkerPool pool(
      WorkerPoolOptions{.threads = 0, .max_queued = 100, .max_queue_delay = 100ms, .now = [this] { return now_; }});
  EXPECT_FALSE(pool.post(job("a")));
  now_ += 50ms;
  EXPECT_FALSE(pool.post(job("b")));  // the queue is young: accepted
  now_ += 51ms;                       // a has now waited 101 ms: over the target ...
  EXPECT_FALSE(pool.post(job("c")));  // ... but a burst may pass
  now_ += 501ms;                      // over it for five intervals: a standing queue
  EXPECT_EQ(pool.post(job("d")), Shed::kQueueDelay);
  EXPECT_EQ(pool.shed_count(Shed::kQueueDelay), 1u);
  while (pool.run_next()) {
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(pool.post(job("e")));  // drained: the standing period is over
  EXPECT_TRUE(dropped.empty());       // refusals are answered by the caller, not through shed
}

TEST_F(WorkerPoolTest, RefusesWhenFull) {
  EXPECT_FALSE(pool_.post(job("a")));
  EXPECT_FALSE(pool_.post(job("b")));
  EXPECT_FALSE(pool_.post(job("c")));
  EXPECT_EQ(pool_.post(job("d")), Shed::kQueueFull);
  EXPECT_EQ(pool_.shed_count(Shed::kQueueFull), 1u);
}

TEST_F(WorkerPoolTest, DropsWhatNobodyWaitsForAnyMore) {
  EXPECT_FALSE(pool_.post(job("late", now_ + 20ms)));
  EXPECT_FALSE(pool_.post(job("cancelled")));
  EXPECT_FALSE(pool_.post(job("fine", now_ + 1s)));
  gone = "cancelled";
  now_ += 30ms;
  while (pool_.run_next()) {
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"fine"}));
  EXPECT_EQ(dropped, (std::vector<std::string>{"late:deadline_passed", "cancelled:caller_gone"}));
  EXPECT_EQ(pool_.shed_count(Shed::kDeadlinePassed), 1u);
  EXPECT_EQ(pool_.shed_count(Shed::kCallerGone), 1u);
}

TEST(ShedStatus, RefusalsAreUnavailableWithARetryHintDropsSayWhy) {
  const grpc::Status refused = shed_status(Shed::kQueueDelay, 1500ms);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(refused.error_message().find("retry after 1500 ms"), std::string::npos) << refused.error_message();
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(refused.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 1);
  EXPECT_EQ(retry.retry_delay().nanos(), 500000000);
  EXPECT_EQ(shed_status(Shed::kDeadlinePassed, 100ms).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(shed_status(Shed::kCallerGone, 100ms).error_code(), grpc::StatusCode::CANCELLED);
}

TEST(RetryHints, ARateLimitSaysWhenToComeBackOverBothTransports) {
  domain::Error limited{domain::ErrorCode::kResourceExhausted, "rate limit of this customer exceeded", ""};
  limited.retry_after = std::chrono::milliseconds(250);
  const grpc::Status status = to_grpc_status(limited);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 0);
  EXPECT_EQ(retry.retry_delay().nanos(), 250000000);
  const http::HttpError answer = http::to_http_error(limited);
  EXPECT_EQ(answer.status, 429u);
  EXPECT_EQ(answer.retry_after, "1");  // rounded up to whole seconds
  EXPECT_TRUE(http::to_http_error({domain::ErrorCode::kNotFound, "no such store", "store_id"}).retry_after.empty());
}

}  // namespace
}  // namespace tastesync::infrastructure::grpc_adapter
