#pragma once

// SIGTERM's drain, in order and within server.drain_seconds: refuse new
// requests, let accepted ones finish, stop background work, hand the last
// events to Kafka. A quarter of the drain (at most 2 s) is kept for Kafka.

#include <chrono>
#include <functional>

namespace tastesync::service {

struct DrainDeadlines {
  std::chrono::steady_clock::time_point requests_by;  // accepted requests must be done
  std::chrono::steady_clock::time_point drained_by;   // the process is gone
};

DrainDeadlines plan_drain(std::chrono::steady_clock::time_point started, std::chrono::seconds drain);

struct DrainSteps {
  std::function<void()> refuse_new;  // readiness and health NOT_SERVING, listeners refuse
  std::function<void(std::chrono::steady_clock::time_point)> finish_grpc;
  // false when requests were still running at the deadline.
  std::function<bool(std::chrono::steady_clock::time_point)> finish_https;
  std::function<void()> stop_background;  // readiness checks, leave sweeps
  std::function<void()> flush_events;     // the outbox relay's last pass
};

// Runs the steps in order; returns false when HTTPS requests were cut off.
bool run_drain(const DrainSteps& steps, const DrainDeadlines& deadlines);

// Ends the process (exit 1, logged) at `drained_by` if the drain still hangs:
// an orchestrator kills it soon after anyway, and a bounded stop is what it
// plans for.
void arm_drain_watchdog(std::chrono::steady_clock::time_point drained_by);

}  // namespace tastesync::service
