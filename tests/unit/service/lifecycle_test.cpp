// The policies the composition root wires: the readiness rule, the leave
// sweep's schedule around cache outages, the drain's order and deadlines.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "application/use_cases/leave_sweep_schedule.h"
#include "infrastructure/health/readiness_monitor.h"
#include "service/drain_sequence.h"

namespace tastesync {
namespace {

using namespace std::chrono_literals;
using infrastructure::health::judge;
using infrastructure::health::ReadinessSample;

TEST(ReadinessRule, PostgresIsRequiredAndRedisOnlyReported) {
  ReadinessSample sample;
  EXPECT_TRUE(judge(sample, 30s).postgres);
  sample.postgres_reachable = false;
  EXPECT_FALSE(judge(sample, 30s).postgres);
  sample = {};
  sample.redis_reachable = false;
  const auto states = judge(sample, 30s);
  EXPECT_FALSE(states.redis);
  infrastructure::health::Readiness readiness;
  readiness.update(states);
  EXPECT_TRUE(readiness.ready());
}

TEST(ReadinessRule, KafkaCountsOnlyForTheRelayWhenEventsGoStale) {
  ReadinessSample sample;
  sample.relaying = true;
  sample.since_last_delivery = 60s;
  sample.waiting_events = 10;
  sample.oldest_waiting_seconds = 45;
  EXPECT_FALSE(judge(sample, 30s).kafka);
  sample.oldest_waiting_seconds = 5;  // young events: delivery may just be slow
  EXPECT_TRUE(judge(sample, 30s).kafka);
  sample.oldest_waiting_seconds = 45;
  sample.waiting_events = 0;  // nothing waiting: nothing stale
  EXPECT_TRUE(judge(sample, 30s).kafka);
  sample.waiting_events = 10;
  sample.since_last_delivery = 10s;  // delivered recently
  EXPECT_TRUE(judge(sample, 30s).kafka);
  sample.since_last_delivery = 60s;
  sample.relaying = false;  // another instance relays: not this one's concern
  EXPECT_TRUE(judge(sample, 30s).kafka);
}

TEST(ReadinessMonitor, ReportsChangesOnceAndNotWhileDraining) {
  infrastructure::health::Readiness readiness;
  ReadinessSample sample;
  std::vector<bool> changes;
  infrastructure::health::ReadinessMonitor monitor(
      readiness, [&] { return sample; }, [&](bool ready, const auto&) { changes.push_back(ready); }, 30s);
  monitor.check();
  EXPECT_TRUE(changes.empty());  // ready from the start: no change
  sample.postgres_reachable = false;
  monitor.check();
  monitor.check();
  EXPECT_EQ(changes, (std::vector<bool>{false}));
  EXPECT_FALSE(readiness.ready());
  sample.postgres_reachable = true;
  monitor.check();
  EXPECT_EQ(changes, (std::vector<bool>{false, true}));
  readiness.start_draining();
  sample.postgres_reachable = false;
  monitor.check();
  sample.postgres_reachable = true;
  monitor.check();
  EXPECT_EQ(changes, (std::vector<bool>{false, true}));
  EXPECT_FALSE(readiness.ready());
}

TEST(LeaveSweepSchedule, PausesDuringAnOutageAndOneLeavePeriodAfterIt) {
  application::LeaveSweepSchedule schedule(600s);
  const domain::Timestamp t0{std::chrono::seconds(1'000'000)};
  EXPECT_TRUE(schedule.may_sweep(t0, false, 0));
  EXPECT_FALSE(schedule.may_sweep(t0 + 10s, true, 1));  // the outage began
  EXPECT_FALSE(schedule.may_sweep(t0 + 20s, true, 1));
  EXPECT_FALSE(schedule.may_sweep(t0 + 30s, false, 1));  // back, but the pause runs from the last degraded look
  EXPECT_FALSE(schedule.may_sweep(t0 + 20s + 599s, false, 1));
  EXPECT_TRUE(schedule.may_sweep(t0 + 20s + 600s, false, 1));
  // A short outage nobody saw as degraded still moves the counter.
  EXPECT_FALSE(schedule.may_sweep(t0 + 700s, false, 2));
  EXPECT_TRUE(schedule.may_sweep(t0 + 1300s, false, 2));
}

TEST(DrainSequence, KeepsAQuarterOfTheDrainAtMostTwoSecondsForKafka) {
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  auto long_drain = service::plan_drain(t0, 20s);
  EXPECT_EQ(long_drain.drained_by, t0 + 20s);
  EXPECT_EQ(long_drain.requests_by, t0 + 18s);
  auto short_drain = service::plan_drain(t0, 4s);
  EXPECT_EQ(short_drain.requests_by, t0 + 3s);
}

TEST(DrainSequence, RefusesFirstFinishesRequestsThenStopsWorkThenFlushesEvents) {
  std::vector<std::string> order;
  const auto deadlines = service::plan_drain(std::chrono::steady_clock::now(), 8s);
  std::chrono::steady_clock::time_point grpc_by{};
  const bool finished =
      service::run_drain(service::DrainSteps{.refuse_new = [&] { order.push_back("refuse"); },
                                             .finish_grpc =
                                                 [&](auto by) {
                                                   grpc_by = by;
                                                   order.push_back("grpc");
                                                 },
                                             .finish_https =
                                                 [&](auto) {
                                                   order.push_back("https");
                                                   return false;
                                                 },
                                             .stop_background = [&] { order.push_back("background"); },
                                             .flush_events = [&] { order.push_back("events"); }},
                         deadlines);
  EXPECT_FALSE(finished);
  EXPECT_EQ(order, (std::vector<std::string>{"refuse", "grpc", "https", "background", "events"}));
  EXPECT_EQ(grpc_by, deadlines.requests_by);
}

}  // namespace
}  // namespace tastesync
