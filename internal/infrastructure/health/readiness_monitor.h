#pragma once

// Keeps Readiness current: once a second it samples the dependencies and
// decides, with one rule, whether this instance should get traffic. gRPC
// health and GET /readyz both read the result (see readiness.h).

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "infrastructure/health/readiness.h"

namespace tastesync::infrastructure::health {

// What one check saw.
struct ReadinessSample {
  bool postgres_reachable = true;
  bool redis_reachable = true;
  // Only when this instance relays the outbox (it holds the relay's lock):
  // events waiting, the oldest one's age, and how long since Kafka last
  // took one.
  bool relaying = false;
  std::optional<std::size_t> waiting_events;
  double oldest_waiting_seconds = 0.0;
  std::chrono::steady_clock::duration since_last_delivery{};
};

// The rule. PostgreSQL must be reachable (transitions are recorded there).
// Kafka counts only for the relaying instance, and only once events have
// waited longer than `kafka_unreachable_after` with no delivery: downstream
// services are going stale then. Redis is reported, not required: the
// service answers while it is away.
DependencyStates judge(const ReadinessSample& sample, std::chrono::seconds kafka_unreachable_after);

class ReadinessMonitor {
 public:
  using Sampler = std::function<ReadinessSample()>;
  // Called when readiness changes (not while draining), e.g. to set gRPC health.
  using OnChange = std::function<void(bool ready, const DependencyStates& states)>;

  ReadinessMonitor(Readiness& readiness, Sampler sample, OnChange on_change,
                   std::chrono::seconds kafka_unreachable_after,
                   std::chrono::milliseconds period = std::chrono::seconds(1));
  ~ReadinessMonitor();
  ReadinessMonitor(const ReadinessMonitor&) = delete;
  ReadinessMonitor& operator=(const ReadinessMonitor&) = delete;

  // One check, now (the thread calls this once per period).
  void check();
  void start();
  void stop();

 private:
  Readiness& readiness_;
  Sampler sample_;
  OnChange on_change_;
  std::chrono::seconds kafka_unreachable_after_;
  std::chrono::milliseconds period_;
  bool ready_ = true;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tastesync::infrastructure::health
