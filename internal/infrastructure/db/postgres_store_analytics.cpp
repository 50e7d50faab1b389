#include "infrastructure/db/postgres_store_analytics.h"

#include <string>

namespace tastesync::infrastructure::db {
namespace {

using domain::ErrorCode;
using domain::fail;

// $1 store, $2 first day, $3 last day, $4 time zone: the period's bounds as
// instants ([t0, t1)), then the store's visits that started in it.
#define PERIOD_SQL                                                            \
  "WITH bounds AS (SELECT ($2::date)::timestamp AT TIME ZONE $4 AS t0, "      \
  "                       ($3::date + 1)::timestamp AT TIME ZONE $4 AS t1), " \
  "v AS (SELECT visits.* FROM visits, bounds WHERE store_id = $1 "            \
  "      AND entered_at >= bounds.t0 AND entered_at < bounds.t1) "

// Counts, visit length and time to be seated, as seconds.
constexpr const char* kSummarySql = PERIOD_SQL
    "SELECT count(*), "
    "  count(left_at), "
    "  coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at)) "
    "           FILTER (WHERE left_at IS NOT NULL), 0), "
    "  coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at)) "
    "           FILTER (WHERE left_at IS NOT NULL), 0), "
    "  count(seated_at), "
    "  coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM seated_at - entered_at)) "
    "           FILTER (WHERE seated_at IS NOT NULL), 0), "
    "  coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM seated_at - entered_at)) "
    "           FILTER (WHERE seated_at IS NOT NULL), 0) "
    "FROM v";

constexpr const char* kPerHourSql =
    PERIOD_SQL "SELECT extract(hour FROM entered_at AT TIME ZONE $4)::int, count(*) FROM v GROUP BY 1";

// Open time: per local day, from the first arrival to the last departure
// (an open visit counts until now).
constexpr const char* kOpenTimeSql = PERIOD_SQL
    "SELECT count(*), coalesce(sum(extract(epoch FROM last_out - first_in)), 0) FROM ("
    "  SELECT (entered_at AT TIME ZONE $4)::date, min(entered_at) AS first_in, "
    "         max(coalesce(left_at, now())) AS last_out FROM v GROUP BY 1) AS days";

// Distinct customers of the period: new when none of their visits to this
// store started before it.
constexpr const char* kCustomersSql = PERIOD_SQL
    "SELECT count(*) FILTER (WHERE NOT before), count(*) FILTER (WHERE before) FROM ("
    "  SELECT EXISTS (SELECT 1 FROM visits p, bounds WHERE p.store_id = $1 AND p.customer_id = c.customer_id "
    "                 AND p.entered_at < bounds.t0) AS before "
    "  FROM (SELECT DISTINCT customer_id FROM v) AS c) AS customers";

// Table stays (a transition into a table until the visit's next one),
// clipped to the period, merged per table where they overlap (a party of
// four is one sitting), then summed: seconds occupied and sittings.
constexpr const char* kTablesSql =
    "WITH bounds AS (SELECT ($2::date)::timestamp AT TIME ZONE $4 AS t0, "
    "                       ($3::date + 1)::timestamp AT TIME ZONE $4 AS t1), "
    "t AS (SELECT zt.to_zone_id, zt.at, lead(zt.at) OVER (PARTITION BY zt.visit_id ORDER BY zt.at, zt.id) AS next_at "
    "      FROM zone_transitions zt, bounds "
    "      WHERE zt.store_id = $1 AND zt.at >= bounds.t0 - interval '1 day' AND zt.at < bounds.t1), "
    "stays AS (SELECT t.to_zone_id AS zone_id, greatest(t.at, bounds.t0) AS s, "
    "                 least(coalesce(t.next_at, bounds.t1), bounds.t1, now()) AS e "
    "          FROM t JOIN zones z ON z.store_id = $1 AND z.zone_id = t.to_zone_id AND z.kind = 'table', bounds), "
    "marked AS (SELECT zone_id, s, e, CASE WHEN s <= max(e) OVER (PARTITION BY zone_id ORDER BY s, e "
    "                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS starts "
    "           FROM stays WHERE e > s), "
    "grouped AS (SELECT zone_id, s, e, sum(starts) OVER (PARTITION BY zone_id ORDER BY s, e) AS sitting FROM marked), "
    "sittings AS (SELECT zone_id, min(s) AS s, max(e) AS e FROM grouped GROUP BY zone_id, sitting) "
    "SELECT zone_id, count(*), sum(extract(epoch FROM e - s)) FROM sittings GROUP BY zone_id ORDER BY zone_id";

std::uint32_t count_of(const pqxx::field& field) { return static_cast<std::uint32_t>(field.as<long long>()); }

}  // namespace

domain::Result<application::StoreAnalytics> PostgresStoreAnalytics::analytics(
    const application::AnalyticsPeriod& period) const {
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<application::StoreAnalytics> {
    // One snapshot, so the figures agree with each other.
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> tx(connection);
    const auto run = [&](const char* sql) {
      return tx.exec_params(sql, period.store_id, period.from_date, period.to_date, period.time_zone);
    };
    application::StoreAnalytics out;
    out.period = period;
    pqxx::result summary;
    try {
      summary = run(kSummarySql);
    } catch (const pqxx::sql_error& e) {
      // 22023: the time zone is not one PostgreSQL knows.
      if (e.sqlstate() == "22023") {
        return fail(ErrorCode::kInvalidArgument, "unknown time zone '" + period.time_zone + "'", "time_zone");
      }
      throw;
    }
    const auto& row = summary[0];
    out.visits = count_of(row[0]);
    out.visit_length = {count_of(row[1]), row[2].as<double>(), row[3].as<double>()};
    out.time_to_seat = {count_of(row[4]), row[5].as<double>(), row[6].as<double>()};
    for (const auto& hour : run(kPerHourSql)) {
      const int index = hour[0].as<int>();
      if (index >= 0 && index < 24) out.visits_per_hour[static_cast<std::size_t>(index)] = count_of(hour[1]);
    }
    const auto open = run(kOpenTimeSql);
    out.open_days = count_of(open[0][0]);
    const double open_seconds = open[0][1].as<double>();
    out.open_hours = open_seconds / 3600.0;
    const auto customers = run(kCustomersSql);
    out.new_customers = count_of(customers[0][0]);
    out.returning_customers = count_of(customers[0][1]);
    for (const auto& table : run(kTablesSql)) {
      application::TableFigures figures;
      figures.zone_id = table[0].as<std::string>();
      figures.sittings = count_of(table[1]);
      const double occupied = table[2].as<double>();
      figures.occupancy = open_seconds > 0 ? std::min(1.0, occupied / open_seconds) : 0.0;
      figures.turnover_per_day = out.open_days > 0 ? figures.sittings / static_cast<double>(out.open_days) : 0.0;
      out.tables.push_back(std::move(figures));
    }
    return out;
  });
}

}  // namespace tastesync::infrastructure::db
