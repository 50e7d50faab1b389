#pragma once

#include <chrono>
#include <cstdint>

#include "domain/entities/sighting.h"

namespace tastesync::application {

// When the leave sweep may run. Silence cannot be told from an outage:
// while the presence cache is out of reach nobody is left, and after it
// returns the sweep waits one more leave period, so customers seen only by
// an instance's local copy meanwhile are seen (and indexed) again first.
class LeaveSweepSchedule {
 public:
  explicit LeaveSweepSchedule(std::chrono::seconds leave_after) : leave_after_(leave_after) {}

  // `cache_degraded` and `cache_outages` as the cache's outage gate reports
  // them (an outage counter that moved means an outage began since).
  bool may_sweep(domain::Timestamp now, bool cache_degraded, std::uint64_t cache_outages) {
    if (cache_degraded || cache_outages != outages_seen_) {
      outages_seen_ = cache_outages;
      resumes_at_ = now + leave_after_;
      return false;
    }
    return now >= resumes_at_;
  }

 private:
  std::chrono::seconds leave_after_;
  std::uint64_t outages_seen_ = 0;
  domain::Timestamp resumes_at_{};
};

}  // namespace tastesync::application
