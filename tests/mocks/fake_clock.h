#pragma once

#include <atomic>
#include <chrono>

#include "application/ports/clock_port.h"

namespace tastesync::testing {

// A clock tests move by hand. Starts at a fixed, realistic instant
// (2025-01-01T00:00:00Z) so tests never depend on the real time. Safe to read
// and move from several threads.
class FakeClock final : public application::ClockPort {
 public:
  static constexpr domain::Timestamp kDefaultStart{std::chrono::seconds(1'735'689'600)};

  explicit FakeClock(domain::Timestamp start = kDefaultStart) : now_(start.time_since_epoch().count()) {}

  domain::Timestamp now() const override { return domain::Timestamp(domain::Clock::duration(now_.load())); }

  void set(domain::Timestamp at) { now_.store(at.time_since_epoch().count()); }

  template <typename Rep, typename Period>
  void advance(std::chrono::duration<Rep, Period> by) {
    now_.fetch_add(std::chrono::duration_cast<domain::Clock::duration>(by).count());
  }

 private:
  std::atomic<domain::Clock::rep> now_;
};

}  // namespace tastesync::testing
