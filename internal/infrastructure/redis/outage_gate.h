#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "application/ports/clock_port.h"
#include "domain/error.h"

namespace tastesync::infrastructure::redis {

// Decides whether to ask a dependency (Redis) or go straight to the local
// fallback. After a failure the dependency is skipped for `backoff`, so an
// outage costs one timeout per back-off period instead of one per request;
// then a single caller probes it while the others keep using the fallback.
// One gate is shared by all fallback stores over the same Redis, so an
// outage is logged once (redis.unavailable / redis.recovered).
class OutageGate {
 public:
  OutageGate(const application::ClockPort& clock, std::chrono::milliseconds backoff, std::string dependency = "redis");

  // False while backing off; true when healthy, or for the one probing caller.
  bool should_try_primary();
  void primary_succeeded();
  // Only for kUnavailable: other errors are answers, not outages.
  void primary_failed(const domain::Error& error, std::string_view operation);

  bool degraded() const { return degraded_.load(std::memory_order_acquire); }
  std::uint64_t outages() const { return outages_.load(std::memory_order_acquire); }
  const application::ClockPort& clock() const { return clock_; }

 private:
  domain::Clock::rep now() const { return clock_.now().time_since_epoch().count(); }

  const application::ClockPort& clock_;
  const domain::Clock::rep backoff_;  // in Clock ticks
  const std::string dependency_;
  std::atomic<bool> degraded_{false};
  std::atomic<domain::Clock::rep> retry_at_{0};
  std::atomic<domain::Clock::rep> outage_started_{0};
  std::atomic<std::uint64_t> outages_{0};
};

}  // namespace tastesync::infrastructure::redis
