#include "infrastructure/redis/outage_gate.h"

#include <utility>

#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::redis {

OutageGate::OutageGate(const application::ClockPort& clock, std::chrono::milliseconds backoff, std::string dependency)
    : clock_(clock),
      backoff_(std::chrono::duration_cast<domain::Clock::duration>(backoff).count()),
      dependency_(std::move(dependency)) {}

bool OutageGate::should_try_primary() {
  if (!degraded()) return true;
  const domain::Clock::rep current = now();
  domain::Clock::rep at = retry_at_.load(std::memory_order_acquire);
  // `at - current > backoff_` means the clock stepped back: probe rather
  // than stay degraded for however far it jumped.
  if (current < at && at - current <= backoff_) return false;
  // Whoever moves the retry time is the probe; the rest stay local.
  return retry_at_.compare_exchange_strong(at, current + backoff_, std::memory_order_acq_rel);
}

void OutageGate::primary_succeeded() {
  if (!degraded() || !degraded_.exchange(false, std::memory_order_acq_rel)) return;
  const auto outage = domain::Clock::duration(now() - outage_started_.load(std::memory_order_acquire));
  log::info(dependency_ + ".recovered",
            {{"outage_ms", std::chrono::duration_cast<std::chrono::milliseconds>(outage).count()}});
}

void OutageGate::primary_failed(const domain::Error& error, std::string_view operation) {
  const domain::Clock::rep current = now();
  // Before flipping degraded_, so whoever sees degraded also sees a back-off.
  retry_at_.store(current + backoff_, std::memory_order_release);
  if (degraded_.exchange(true, std::memory_order_acq_rel)) return;
  outage_started_.store(current, std::memory_order_release);
  outages_.fetch_add(1, std::memory_order_acq_rel);
  log::warn(dependency_ + ".unavailable",
            {{"operation", operation},
             {"error", error.message},
             {"retry_in_ms",
              std::chrono::duration_cast<std::chrono::milliseconds>(domain::Clock::duration(backoff_)).count()},
             {"fallback", "local in-memory state"}});
}

}  // namespace tastesync::infrastructure::redis
