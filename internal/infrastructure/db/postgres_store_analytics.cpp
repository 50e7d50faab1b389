#include "infrastructure/db/postgres_store_analytics.h"

#include <algorithm>
#include <string>

#include "infrastructure/db/pg_values.h"

namespace tastesync::infrastructure::db {
namespace {

using domain::ErrorCode;
using domain::fail;

// The period's bounds as instants, [t0, t1), in microseconds, and its days
// (today in the time zone when none is given): asked first so
// that the queries below get them as plain parameters (the planner then
// knows how many rows a range holds).
constexpr const char* kBoundsSql =
    "WITH days AS (SELECT coalesce(nullif($1, '')::date, (now() AT TIME ZONE $3)::date) AS first_day, "
    "                     coalesce(nullif($2, '')::date, nullif($1, '')::date, (now() AT TIME ZONE $3)::date) AS "
    "last_day) "
    "SELECT " CID_SQL_MICROS("first_day::timestamp AT TIME ZONE $3") ", " CID_SQL_MICROS(
        "(last_day + 1)::timestamp AT TIME ZONE $3") ", first_day::text, last_day::text FROM days";

// $1 store, $2 t0, $3 t1, $4 time zone. One pass over the period's visits:
// counts, visit length and time to be seated (seconds), the visits per local
// hour (24 counts), and the open time: per local day, from the first arrival
// to the last departure (an open visit counts until now).
constexpr const char* kVisitsSql =
    "WITH v AS MATERIALIZED (SELECT entered_at, seated_at, left_at FROM visits WHERE store_id = $1 "
    "  AND entered_at >= " CID_SQL_TIMESTAMP_PARAM("$2") " AND entered_at < " CID_SQL_TIMESTAMP_PARAM("$3") "), "
    "open_days AS (SELECT min(entered_at) AS first_in, max(coalesce(left_at, now())) AS last_out FROM v "
    "              GROUP BY (entered_at AT TIME ZONE $4)::date) "
    "SELECT s.*, "
    "  (SELECT array_to_string(array_agg(coalesce(n, 0) ORDER BY h), ',') FROM generate_series(0, 23) AS h "
    "     LEFT JOIN (SELECT extract(hour FROM entered_at AT TIME ZONE $4)::int AS hour, count(*) AS n FROM v "
    "                GROUP BY 1) AS per_hour ON per_hour.hour = h), "
    "  (SELECT count(*) FROM open_days), "
    "  (SELECT coalesce(sum(extract(epoch FROM last_out - first_in)), 0) FROM open_days) "
    "FROM (SELECT count(*), count(left_at), "
    "        coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at)), 0), "
    "        coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at)), 0), "
    "        count(seated_at), "
    "        coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM seated_at - entered_at)), 0), "
    "        coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM seated_at - entered_at)), 0) "
    "      FROM v) AS s";

// Distinct customers of the period: new when their first visit to this store
// is in it, returning when it was before. One walk of the store's
// (customer, entered_at) index up to t1, in customer order.
constexpr const char* kCustomersSql =
    "SELECT count(*) FILTER (WHERE first_at >= " CID_SQL_TIMESTAMP_PARAM("$2") "), "
    "       count(*) FILTER (WHERE first_at < " CID_SQL_TIMESTAMP_PARAM("$2") ") FROM ("
    "  SELECT min(entered_at) AS first_at, max(entered_at) AS last_at FROM visits "
    "  WHERE store_id = $1 AND entered_at < " CID_SQL_TIMESTAMP_PARAM("$3") " GROUP BY customer_id) AS c "
    "WHERE last_at >= " CID_SQL_TIMESTAMP_PARAM("$2");

// Tables, from the transitions alone: each is -1 for the table it leaves and
// +1 for the table it enters (a leave has no table to enter). Per table, in
// time order, the running sum is how many sit there: a sitting starts where
// it rises from 0 (a party of four is one sitting; a table taken the instant
// another party leaves it is one too), and the table is occupied while it is
// above 0. Clipped to the period (and to now); stays that began more than a
// day before the period are not seen.
#define T0 CID_SQL_TIMESTAMP_PARAM("$2")
#define T1 CID_SQL_TIMESTAMP_PARAM("$3")
constexpr const char* kTablesSql =
    "WITH tables AS (SELECT zone_id FROM zones WHERE store_id = $1 AND kind = 'table'), "
    "moves AS (SELECT from_zone_id, to_zone_id, greatest(at, " T0
    ") AS at FROM zone_transitions "
    "          WHERE store_id = $1 AND at >= " T0 " - interval '1 day' AND at < " T1
    "), "
    "ev AS (SELECT to_zone_id AS zone_id, at, 1 AS delta FROM moves WHERE to_zone_id IN (SELECT zone_id FROM tables) "
    "       UNION ALL "
    "       SELECT from_zone_id, at, -1 FROM moves WHERE from_zone_id IN (SELECT zone_id FROM tables)), "
    "run AS (SELECT zone_id, at, delta, sum(delta) OVER w AS here, lead(at) OVER w AS next_at FROM ev "
    "        WINDOW w AS (PARTITION BY zone_id ORDER BY at, delta DESC ROWS UNBOUNDED PRECEDING)) "
    "SELECT zone_id, count(*) FILTER (WHERE delta = 1 AND here = 1), "
    "       coalesce(sum(extract(epoch FROM least(coalesce(next_at, " T1 "), " T1
    ", now()) - at)) "
    "                FILTER (WHERE here > 0 AND at < now()), 0) "
    "FROM run GROUP BY zone_id ORDER BY zone_id";
#undef T0
#undef T1

std::uint32_t count_of(const pqxx::field& field) { return static_cast<std::uint32_t>(field.as<long long>()); }

}  // namespace

domain::Result<application::StoreAnalytics> PostgresStoreAnalytics::analytics(
    const application::AnalyticsPeriod& period) const {
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<application::StoreAnalytics> {
    // One snapshot, so the figures agree with each other.
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> tx(connection);
    // A year's sorts (a few hundred thousand rows) fit in memory; the
    // default would spill them to disk.
    tx.exec("SET LOCAL work_mem = '64MB'");
    pqxx::result bounds;
    try {
      bounds = tx.exec_params(kBoundsSql, period.from_date, period.to_date, period.time_zone);
    } catch (const pqxx::sql_error& e) {
      // 22023: the time zone is not one PostgreSQL knows.
      if (e.sqlstate() == "22023") {
        return fail(ErrorCode::kInvalidArgument, "unknown time zone '" + period.time_zone + "'", "time_zone");
      }
      throw;
    }
    const long long t0 = bounds[0][0].as<long long>();
    const long long t1 = bounds[0][1].as<long long>();
    application::StoreAnalytics out;
    out.period = period;
    out.period.from_date = bounds[0][2].as<std::string>();  // today's, when none was given
    out.period.to_date = bounds[0][3].as<std::string>();

    const auto visits = tx.exec_params(kVisitsSql, period.store_id, t0, t1, period.time_zone);
    const auto& row = visits[0];
    out.visits = count_of(row[0]);
    out.visit_length = {count_of(row[1]), row[2].as<double>(), row[3].as<double>()};
    out.time_to_seat = {count_of(row[4]), row[5].as<double>(), row[6].as<double>()};
    const std::string per_hour = row[7].as<std::string>();
    std::size_t hour = 0;
    for (std::size_t start = 0; start <= per_hour.size() && hour < out.visits_per_hour.size(); ++hour) {
      const std::size_t end = std::min(per_hour.find(',', start), per_hour.size());
      out.visits_per_hour[hour] = static_cast<std::uint32_t>(std::stoul(per_hour.substr(start, end - start)));
      start = end + 1;
    }
    out.open_days = count_of(row[8]);
    const double open_seconds = row[9].as<double>();
    out.open_hours = open_seconds / 3600.0;

    const auto customers = tx.exec_params(kCustomersSql, period.store_id, t0, t1);
    out.new_customers = count_of(customers[0][0]);
    out.returning_customers = count_of(customers[0][1]);
    for (const auto& table : tx.exec_params(kTablesSql, period.store_id, t0, t1)) {
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
