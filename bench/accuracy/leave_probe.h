#pragma once

// Measures the delay to detect leaving with the service's own leave
// detection: LeaveDetectionUseCase over the in-memory last-seen index and
// visit ledger, swept every sweep_interval (starting at a random phase, as an
// instance started at an arbitrary moment would) like the server does.

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "support/store_simulator.h"

namespace tastesync::bench {

struct LeaveProbeSettings {
  std::chrono::seconds leave_after{600};
  std::chrono::seconds sweep_interval{30};
  std::chrono::milliseconds report_interval{1000};
  std::uint64_t seed = 1;
};

// Seconds from each customer's departure (one report after their last) to
// the sweep that recorded their CustomerLeftStore; a customer never detected
// is left out (the caller compares the count).
std::vector<double> leave_delays(std::span<const testing::CustomerTrack> tracks, const std::string& store_id,
                                 const LeaveProbeSettings& settings);

}  // namespace tastesync::bench
