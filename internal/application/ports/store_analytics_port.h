#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/error.h"

namespace tastesync::application {

// Whole days in the store's time zone, both included; checked by the use case.
// Both dates empty: today there (the answer carries the day it was).
struct AnalyticsPeriod {
  std::string store_id;
  std::string from_date;  // YYYY-MM-DD, or empty
  std::string to_date;    // YYYY-MM-DD, not before from_date, or empty
  std::string time_zone;  // IANA name
};

struct DurationSummary {
  std::uint32_t count = 0;  // visits that have the figure
  double median_seconds = 0.0;
  double p90_seconds = 0.0;
};

struct TableFigures {
  std::string zone_id;
  std::string label;
  double occupancy = 0.0;         // share of the open time with someone at the table
  std::uint32_t sittings = 0;     // stretches with someone at the table (a party counts once)
  double turnover_per_day = 0.0;  // sittings per open day
};

struct StoreAnalytics {
  AnalyticsPeriod period;
  std::uint32_t visits = 0;                         // started in the period
  std::array<std::uint32_t, 24> visits_per_hour{};  // by local hour of the start
  DurationSummary visit_length;                     // finished visits
  DurationSummary time_to_seat;                     // entering to the first table
  double open_hours = 0.0;                          // per day, first arrival to last departure, summed
  std::uint32_t open_days = 0;
  std::vector<TableFigures> tables;       // every table of the store, by zone id
  std::uint32_t new_customers = 0;        // first visit to the store in the period
  std::uint32_t returning_customers = 0;  // in the period, and visited before it
};

// The ledger's history, summed up (PostgreSQL computes it next to the data).
class StoreAnalyticsPort {
 public:
  virtual ~StoreAnalyticsPort() = default;
  // kInvalidArgument naming "time_zone" for a zone the database does not know.
  virtual domain::Result<StoreAnalytics> analytics(const AnalyticsPeriod& period) const = 0;
};

}  // namespace tastesync::application
