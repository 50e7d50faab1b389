#pragma once

// GetStoreAnalytics day by day: each local day's figures, from
// analytics_days once the day is final (migrations/0010_analytics_days.sql)
// and from the ledger otherwise. Every figure of a range is a sum of its days'
// (counts, microseconds), the first day's state at its start (who sat where),
// or a percentile of the days' values put together, so a range's answer is
// the one a single pass over its ledger rows gives, while a year reads 365
// rows.

#include <pqxx/pqxx>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "application/ports/store_analytics_port.h"

namespace tastesync::infrastructure::db {

// A store's local days [first_day, last_day] (YYYY-MM-DD) in time_zone.
struct DayRange {
  std::string store_id;
  std::string time_zone;
  std::string first_day;
  std::string last_day;
};

struct TableDay {
  std::string zone_id;
  bool occupied_at_start = false;
  std::uint32_t sittings_started = 0;
  long long occupied_micros = 0;
};

struct DayFigures {
  std::string day;
  std::uint32_t visits = 0;
  std::array<std::uint32_t, 24> visits_per_hour{};
  std::vector<double> visit_seconds;  // finished visits
  std::vector<double> seat_seconds;
  long long open_micros = 0;
  std::vector<TableDay> tables;  // by zone id
};

// Keeps the range's final days that are not kept yet, in `tx` (commit it).
// Final: ended over two hours ago, before any of the store's open visits
// began, so nothing the service records can change it any more.
void keep_final_days(pqxx::work& tx, const DayRange& range);

// The range's days in order, kept ones as kept and the others from the
// ledger (an open visit counts until now).
std::vector<DayFigures> read_days(pqxx::transaction_base& tx, const DayRange& range);

// The days summed up into the answer's figures (all but the customers').
void add_up(std::vector<DayFigures>& days, application::StoreAnalytics& out);

// PostgreSQL's percentile_cont, to the last bit: the value at `fraction` of
// the way through the sorted values, interpolated; 0 for none. Reorders
// `values`.
double percentile_cont(std::vector<double>& values, double fraction);

}  // namespace tastesync::infrastructure::db
