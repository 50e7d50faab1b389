#pragma once

// Accuracy and stability figures over simulated customer tracks (see
// store_simulator.h). Pure functions of the tracks, so unit tests can check
// them on hand-made ones.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "support/store_simulator.h"

namespace tastesync::testing {

// A sample of waiting times in which "never" is an outcome, not a number.
struct Delays {
  std::vector<double> values;  // sorted by summarize(); only the ones that happened
  std::size_t never = 0;       // how many never happened

  std::size_t count() const { return values.size() + never; }
  // Share (0..1) of the cases that happened within `limit` (inclusive).
  double share_within(double limit) const;
  // The p-quantile (0..1, nearest rank) counting "never" as the largest;
  // nullopt when it falls on a "never" or there are no cases.
  std::optional<double> quantile(double p) const;
};

struct AccuracyMetrics {
  // Reports taken while seated, at least the settling time after sitting.
  std::size_t seated_reports = 0;
  std::size_t seated_reports_right = 0;  // ... that answered the customer's table
  // Per seating: reports (1 = the arrival report itself) and seconds from
  // sitting down until the answer is that table.
  Delays arrival_reports;
  Delays arrival_seconds;
  // Per customer: reports until the answer is the entrance while waiting there.
  Delays entrance_reports;
  // Changes of answer while seated, after first being placed at the right
  // table (or after the settling time if never placed).
  std::size_t flaps = 0;
  double seated_hours = 0.0;
  std::size_t customers = 0;
  std::size_t customers_without_flaps = 0;

  double seated_accuracy() const;
  double flaps_per_hour() const;
  double share_without_flaps() const;
};

// `settle`: how long after sitting down a report starts counting for seated
// accuracy (the "after 3 s seated").
AccuracyMetrics measure(std::span<const CustomerTrack> tracks,
                        std::chrono::milliseconds settle = std::chrono::seconds{3});

// Seconds from the moment a customer was gone (one report interval after
// their last report) to the moment leaving was detected.
double leave_delay_seconds(const CustomerTrack& track, std::chrono::milliseconds report_interval,
                           domain::Timestamp detected_at);

}  // namespace tastesync::testing
