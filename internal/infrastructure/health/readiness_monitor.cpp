#include "infrastructure/health/readiness_monitor.h"

#include <utility>

namespace tastesync::infrastructure::health {

DependencyStates judge(const ReadinessSample& sample, std::chrono::seconds kafka_unreachable_after) {
  DependencyStates states;
  states.postgres = sample.postgres_reachable;
  states.redis = sample.redis_reachable;
  if (sample.postgres_reachable && sample.relaying && sample.since_last_delivery > kafka_unreachable_after) {
    const bool nothing_stale = !sample.waiting_events || *sample.waiting_events == 0 ||
                               sample.oldest_waiting_seconds < static_cast<double>(kafka_unreachable_after.count());
    states.kafka = nothing_stale;
  }
  return states;
}

ReadinessMonitor::ReadinessMonitor(Readiness& readiness, Sampler sample, OnChange on_change,
                                   std::chrono::seconds kafka_unreachable_after, std::chrono::milliseconds period)
    : readiness_(readiness),
      sample_(std::move(sample)),
      on_change_(std::move(on_change)),
      kafka_unreachable_after_(kafka_unreachable_after),
      period_(period) {}

ReadinessMonitor::~ReadinessMonitor() { stop(); }

void ReadinessMonitor::check() {
  const DependencyStates states = judge(sample_(), kafka_unreachable_after_);
  readiness_.update(states);
  const bool now_ready = readiness_.ready();
  // While draining the drain owns the answer (not ready, for good).
  if (now_ready != ready_ && !readiness_.draining()) {
    ready_ = now_ready;
    if (on_change_) on_change_(ready_, states);
  }
}

void ReadinessMonitor::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    while (!stopping_.load()) {
      check();
      // Sleeps in short steps, so stop() never waits a whole period.
      const auto until = std::chrono::steady_clock::now() + period_;
      while (!stopping_.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
}

void ReadinessMonitor::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace tastesync::infrastructure::health
