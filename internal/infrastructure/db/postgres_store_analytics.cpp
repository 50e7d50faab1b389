#include "infrastructure/db/postgres_store_analytics.h"

#include <algorithm>
#include <string>

#include "infrastructure/db/analytics_days.h"
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

// Distinct customers of the period: new when their first visit to this store
// is in it, returning when it was before. One walk of the store's
// (customer, entered_at) index up to t1, in customer order.
constexpr const char* kCustomersSql =
    "SELECT count(*) FILTER (WHERE first_at >= " CID_SQL_TIMESTAMP_PARAM("$2") "), "
    "       count(*) FILTER (WHERE first_at < " CID_SQL_TIMESTAMP_PARAM("$2") ") FROM ("
    "  SELECT min(entered_at) AS first_at, max(entered_at) AS last_at FROM visits "
    "  WHERE store_id = $1 AND entered_at < " CID_SQL_TIMESTAMP_PARAM("$3") " GROUP BY customer_id) AS c "
    "WHERE last_at >= " CID_SQL_TIMESTAMP_PARAM("$2");

// The same two counts from the other end, for short ranges: the period's
// customers, each asked whether they came before it (one probe of that
// index each), so a day costs its own few hundred visits, not the store's
// whole history. Over long ranges the walk above is cheaper.
constexpr const char* kCustomersOfShortRangeSql =
    "SELECT count(*) FILTER (WHERE NOT came_before), count(*) FILTER (WHERE came_before) FROM ("
    "  SELECT EXISTS (SELECT 1 FROM visits AS e WHERE e.store_id = $1 AND e.customer_id = c.customer_id "
    "                 AND e.entered_at < " CID_SQL_TIMESTAMP_PARAM("$2") ") AS came_before "
    "  FROM (SELECT DISTINCT customer_id FROM visits WHERE store_id = $1 "
    "        AND entered_at >= " CID_SQL_TIMESTAMP_PARAM("$2") " AND entered_at < " CID_SQL_TIMESTAMP_PARAM("$3") ") "
    "  AS c) AS x";
constexpr long long kShortRangeMicros = 7LL * 24 * 3600 * 1000000;

std::uint32_t count_of(const pqxx::field& field) { return static_cast<std::uint32_t>(field.as<long long>()); }

}  // namespace

domain::Result<application::StoreAnalytics> PostgresStoreAnalytics::analytics(
    const application::AnalyticsPeriod& period) const {
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<application::StoreAnalytics> {
    application::StoreAnalytics out;
    out.period = period;
    {
      pqxx::read_transaction tx(connection);
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
      out.period.from_date = bounds[0][2].as<std::string>();  // today's, when none was given
      out.period.to_date = bounds[0][3].as<std::string>();
    }
    const DayRange range{period.store_id, period.time_zone, out.period.from_date, out.period.to_date};
    {
      // The range's final days are kept first (their own transaction: a
      // year's first ask computes them once), then read in one snapshot.
      pqxx::work keeping(connection);
      keeping.exec("SET LOCAL jit = off");
      keeping.exec("SET LOCAL work_mem = '64MB'");
      keeping.exec("SET LOCAL statement_timeout = '60s'");
      keep_final_days(keeping, range);
      keeping.commit();
    }
    // One snapshot, so the figures agree with each other.
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> tx(connection);
    // The planner's guesses for these CTEs are large enough to start the JIT
    // compiler, which costs more than the queries themselves.
    tx.exec("SET LOCAL jit = off");
    tx.exec("SET LOCAL work_mem = '64MB'");
    std::vector<DayFigures> days = read_days(tx, range);
    add_up(days, out);
    const auto bounds = tx.exec_params(kBoundsSql, out.period.from_date, out.period.to_date, period.time_zone);
    const long long t0 = bounds[0][0].as<long long>();
    const long long t1 = bounds[0][1].as<long long>();
    const auto customers = tx.exec_params(t1 - t0 <= kShortRangeMicros ? kCustomersOfShortRangeSql : kCustomersSql,
                                          period.store_id, t0, t1);
    out.new_customers = count_of(customers[0][0]);
    out.returning_customers = count_of(customers[0][1]);
    return out;
  });
}

}  // namespace tastesync::infrastructure::db
