// GetStoreAnalytics day by day (kept closed days + today from the ledger)
// against one direct pass over the ledger, on two weeks of a seeded store
// whose stays cross local midnight, with a customer seated right now: for
// ranges that include today, that lie wholly in the kept past, in time zones
// with half-hour offsets, and after a past day was corrected by hand. The two
// run in the same snapshot (and so the same now()), and must agree exactly.

#include <gtest/gtest.h>

#include <map>

#include "infrastructure/db/analytics_days.h"
#include "infrastructure/db/migrations.h"
#include "infrastructure/db/pg_pool.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

namespace db = infrastructure::db;

// Twelve past days of 40 visits each between 11:00 and midnight local time
// (so some go on past midnight), a quarter moving to another table half-way;
// today, twenty visits that have ended and one customer at table 2 now.
std::string seed_sql(const std::string& store) {
  const std::string s = store;
  return "INSERT INTO stores (store_id, name) VALUES ('" + s +
         "', 'Days');"
         "INSERT INTO zones (store_id, zone_id, kind) SELECT '" +
         s +
         "', 'entrance', 'entrance' "
         "  UNION ALL SELECT '" +
         s +
         "', 'table-' || t, 'table' FROM generate_series(1, 4) AS t;"
         "SELECT setseed(0.42);"
         "CREATE TEMP TABLE plan AS "
         "SELECT visit_id, customer_id, entered_at, seated_at, left_at, first_table, "
         "       nullif(second_table, first_table) AS second_table FROM ("
         "  SELECT '" +
         s + "-v' || d || '-' || i AS visit_id, '" + s +
         "-c' || (1 + floor(random() * 25))::int "
         "           AS customer_id, start AS entered_at, start + (60 + random() * 300) * interval '1 second' AS "
         "seated_at, "
         "         start + (1200 + random() * 7800) * interval '1 second' AS left_at, "
         "         'table-' || (1 + floor(random() * 4))::int AS first_table, "
         "         CASE WHEN random() < 0.25 THEN 'table-' || (1 + floor(random() * 4))::int END AS second_table "
         "  FROM generate_series(1, 12) AS d, generate_series(1, 40) AS i, "
         "       LATERAL (SELECT ((((now() AT TIME ZONE 'Europe/Paris')::date - d)::timestamp + interval '11 hours' "
         "                        + random() * interval '13 hours' + i * interval '0 s') AT TIME ZONE 'Europe/Paris') "
         "                AS start) AS s "
         "  UNION ALL "
         "  SELECT '" +
         s + "-t' || i, '" + s +
         "-c' || i, now() - interval '6 hours' + i * interval '10 minutes', "
         "         now() - interval '6 hours' + i * interval '10 minutes' + interval '2 minutes', "
         "         now() - interval '6 hours' + i * interval '10 minutes' + (30 + i * 4) * interval '1 minute', "
         "         'table-' || (1 + i % 4), NULL FROM generate_series(1, 20) AS i "
         "  UNION ALL "
         "  SELECT '" +
         s + "-open', '" + s +
         "-now', now() - interval '20 minutes', now() - interval '15 minutes', NULL, "
         "         'table-2', NULL) AS p;"
         "INSERT INTO visits (visit_id, customer_id, store_id, entered_at, seated_at, left_at, current_zone_id, "
         "                    current_zone_kind, zone_since, last_seen) "
         "SELECT visit_id, customer_id, '" +
         s +
         "', entered_at, seated_at, left_at, coalesce(second_table, first_table), "
         "       'table', seated_at, coalesce(left_at, now()) FROM plan;"
         "INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, to_zone_id, at) "
         "SELECT visit_id, customer_id, '" +
         s +
         "', NULL, 'entrance', entered_at FROM plan "
         "UNION ALL SELECT visit_id, customer_id, '" +
         s +
         "', 'entrance', first_table, seated_at FROM plan "
         "UNION ALL SELECT visit_id, customer_id, '" +
         s +
         "', first_table, second_table, "
         "  seated_at + (left_at - seated_at) / 2 FROM plan WHERE second_table IS NOT NULL "
         "UNION ALL SELECT visit_id, customer_id, '" +
         s +
         "', coalesce(second_table, first_table), NULL, left_at "
         "  FROM plan WHERE left_at IS NOT NULL;";
}

// The figures in one pass over the range's ledger rows: no days, nothing
// kept, percentiles by PostgreSQL. $1 store, $2 t0, $3 t1, $4 time zone.
constexpr const char* kDirectVisitsSql =
    "WITH v AS (SELECT entered_at, seated_at, left_at FROM visits WHERE store_id = $1 "
    "  AND entered_at >= $2::timestamptz AND entered_at < $3::timestamptz), "
    "open_days AS (SELECT min(entered_at) AS first_in, max(coalesce(left_at, now())) AS last_out FROM v "
    "              GROUP BY (entered_at AT TIME ZONE $4)::date) "
    "SELECT (SELECT count(*) FROM v), (SELECT count(left_at) FROM v), "
    "  coalesce((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at)) FROM v), "
    "0), "
    "  coalesce((SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at)) FROM v), "
    "0), "
    "  (SELECT count(seated_at) FROM v), "
    "  coalesce((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM seated_at - entered_at)) FROM "
    "v), 0), "
    "  coalesce((SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM seated_at - entered_at)) FROM "
    "v), 0), "
    "  (SELECT array_to_string(array_agg((SELECT count(*) FROM v WHERE extract(hour FROM entered_at AT TIME ZONE $4) = "
    "h) "
    "                                    ORDER BY h), ',') FROM generate_series(0, 23) AS h), "
    "  (SELECT count(*) FROM open_days), "
    "  (SELECT coalesce(sum(extract(epoch FROM last_out - first_in)), 0) FROM open_days)";

// Per table: a sitting under way at t0 and each rise from nobody after it;
// the time with someone there between t0 and t1 (and now).
constexpr const char* kDirectTablesSql =
    "WITH tables AS (SELECT zone_id FROM zones WHERE store_id = $1 AND kind = 'table'), "
    "moves AS (SELECT visit_id, from_zone_id, to_zone_id, at FROM zone_transitions "
    "          WHERE store_id = $1 AND at >= $2::timestamptz - interval '1 day' AND at < $3::timestamptz), "
    "arrivals AS (SELECT visit_id, to_zone_id AS zone_id, at FROM moves WHERE to_zone_id IN (SELECT zone_id FROM "
    "tables)), "
    "ev AS (SELECT zone_id, at, 1 AS delta FROM arrivals UNION ALL "
    "       SELECT m.from_zone_id, m.at, -1 FROM moves AS m WHERE EXISTS (SELECT 1 FROM arrivals AS a "
    "         WHERE a.visit_id = m.visit_id AND a.zone_id = m.from_zone_id AND a.at <= m.at)), "
    "run AS (SELECT zone_id, at, delta, sum(delta) OVER w AS here, lead(at) OVER w AS next_at FROM ev "
    "        WINDOW w AS (PARTITION BY zone_id ORDER BY at, delta DESC ROWS UNBOUNDED PRECEDING)) "
    "SELECT zone_id, count(*) FILTER (WHERE delta = 1 AND here = 1 AND at >= $2::timestamptz) "
    "  + coalesce(bool_or(here > 0 AND at < $2::timestamptz AND (next_at IS NULL OR next_at >= $2::timestamptz)), "
    "             false)::int, "
    "  coalesce(sum(extract(epoch FROM greatest(interval '0', least(coalesce(next_at, $3::timestamptz), "
    "    $3::timestamptz, now()) - greatest(at, $2::timestamptz)))) FILTER (WHERE here > 0), 0) "
    "FROM run GROUP BY zone_id";

application::StoreAnalytics direct(pqxx::transaction_base& tx, const db::DayRange& range) {
  const auto bounds =
      tx.exec_params("SELECT ($1::date)::timestamp AT TIME ZONE $3, ($2::date + 1)::timestamp AT TIME ZONE $3",
                     range.first_day, range.last_day, range.time_zone);
  const std::string t0 = bounds[0][0].as<std::string>();
  const std::string t1 = bounds[0][1].as<std::string>();
  application::StoreAnalytics out;
  const auto row = tx.exec_params(kDirectVisitsSql, range.store_id, t0, t1, range.time_zone)[0];
  out.visits = row[0].as<std::uint32_t>();
  out.visit_length = {row[1].as<std::uint32_t>(), row[2].as<double>(), row[3].as<double>()};
  out.time_to_seat = {row[4].as<std::uint32_t>(), row[5].as<double>(), row[6].as<double>()};
  const std::string per_hour = row[7].as<std::string>();
  std::size_t start = 0;
  for (auto& count : out.visits_per_hour) {
    const std::size_t end = std::min(per_hour.find(',', start), per_hour.size());
    count = static_cast<std::uint32_t>(std::stoul(per_hour.substr(start, end - start)));
    start = end + 1;
  }
  out.open_days = row[8].as<std::uint32_t>();
  const double open_seconds = row[9].as<double>();
  out.open_hours = open_seconds / 3600.0;
  for (const auto& table : tx.exec_params(kDirectTablesSql, range.store_id, t0, t1)) {
    application::TableFigures figures;
    figures.zone_id = table[0].as<std::string>();
    figures.sittings = table[1].as<std::uint32_t>();
    figures.occupancy = open_seconds > 0 ? std::min(1.0, table[2].as<double>() / open_seconds) : 0.0;
    figures.turnover_per_day = out.open_days > 0 ? figures.sittings / static_cast<double>(out.open_days) : 0.0;
    out.tables.push_back(figures);
  }
  return out;
}

// Tables nobody sat at during the range are left out (the use case lists
// every table of the plan anyway).
std::map<std::string, std::pair<std::uint32_t, double>> used_tables(const application::StoreAnalytics& figures) {
  std::map<std::string, std::pair<std::uint32_t, double>> used;
  for (const auto& table : figures.tables) {
    if (table.sittings > 0 || table.occupancy > 0) used[table.zone_id] = {table.sittings, table.occupancy};
  }
  return used;
}

void expect_same(const application::StoreAnalytics& days, const application::StoreAnalytics& direct,
                 const std::string& name) {
  SCOPED_TRACE(name);
  EXPECT_EQ(days.visits, direct.visits);
  EXPECT_EQ(days.visits_per_hour, direct.visits_per_hour);
  EXPECT_EQ(days.visit_length.count, direct.visit_length.count);
  EXPECT_EQ(days.visit_length.median_seconds, direct.visit_length.median_seconds);
  EXPECT_EQ(days.visit_length.p90_seconds, direct.visit_length.p90_seconds);
  EXPECT_EQ(days.time_to_seat.count, direct.time_to_seat.count);
  EXPECT_EQ(days.time_to_seat.median_seconds, direct.time_to_seat.median_seconds);
  EXPECT_EQ(days.time_to_seat.p90_seconds, direct.time_to_seat.p90_seconds);
  EXPECT_EQ(days.open_days, direct.open_days);
  EXPECT_EQ(days.open_hours, direct.open_hours);
  EXPECT_EQ(used_tables(days), used_tables(direct));
}

class AnalyticsDays : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db::apply_migrations(pool_, (source_dir() / "migrations").string()));
    psql(postgres_url(), seed_sql(store_));
  }

  // The local day `offset` days from today in `time_zone`.
  std::string day(int offset, const std::string& time_zone) {
    std::string text = psql(postgres_url(), "SELECT ((now() AT TIME ZONE '" + time_zone + "')::date + (" +
                                                std::to_string(offset) + "))::text");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  // Both computations of `range` in one snapshot, after keeping its final days.
  void compare(const db::DayRange& range, const std::string& name) {
    auto compared = pool_.run([&](pqxx::connection& connection) -> domain::Result<void> {
      pqxx::work keeping(connection);
      db::keep_final_days(keeping, range);
      keeping.commit();
      pqxx::transaction<pqxx::isolation_level::repeatable_read> tx(connection);
      std::vector<db::DayFigures> days = db::read_days(tx, range);
      application::StoreAnalytics by_days;
      db::add_up(days, by_days);
      expect_same(by_days, direct(tx, range), name);
      return {};
    });
    ASSERT_TRUE(compared) << compared.error().message;
  }

  int kept(const std::string& time_zone) {
    return std::stoi(psql(postgres_url(), "SELECT count(*) FROM analytics_days WHERE store_id = '" + store_ +
                                              "' AND time_zone = '" + time_zone + "'"));
  }

  db::PgPool pool_{db::PgPoolOptions{.url = postgres_url(), .size = 1}};
  std::string store_ = unique_customer("days");
};

TEST_F(AnalyticsDays, KeptDaysAndTodayAddUpToOnePassOverTheLedger) {
  const std::string paris = "Europe/Paris";
  compare({store_, paris, day(-12, paris), day(0, paris)}, "two weeks up to today");
  EXPECT_GE(kept(paris), 10);  // the past days were kept, and read back
  compare({store_, paris, day(-12, paris), day(0, paris)}, "two weeks up to today, read from kept days");
  compare({store_, paris, day(-5, paris), day(-3, paris)}, "three past days, stays across both midnights");
  compare({store_, paris, day(0, paris), day(0, paris)}, "today");
  compare({store_, "Asia/Kolkata", day(-8, "Asia/Kolkata"), day(-1, "Asia/Kolkata")}, "a half-hour offset");
  compare({store_, "America/New_York", day(-12, "America/New_York"), day(0, "America/New_York")}, "days cut elsewhere");
}

TEST_F(AnalyticsDays, ACorrectionToAKeptDayIsInTheNextAnswer) {
  const std::string paris = "Europe/Paris";
  const db::DayRange range{store_, paris, day(-6, paris), day(-2, paris)};
  compare(range, "before");
  ASSERT_GE(kept(paris), 5);
  // A visit entered by hand on a kept day, at a table nobody else used.
  psql(postgres_url(),
       "INSERT INTO zones (store_id, zone_id, kind) VALUES ('" + store_ +
           "', 'table-9', 'table');"
           "INSERT INTO visits (visit_id, customer_id, store_id, entered_at, seated_at, left_at, current_zone_id, "
           "current_zone_kind, zone_since, last_seen) SELECT '" +
           store_ + "-late', '" + store_ + "-late', '" + store_ +
           "', e, e + interval '5 minutes', e + interval '1 hour', 'table-9', 'table', e, e + interval '1 hour' "
           "FROM (SELECT ('" +
           range.first_day +
           "'::date + 2 + time '12:00') AT TIME ZONE 'Europe/Paris' AS e) AS x;"
           "INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, to_zone_id, at) "
           "SELECT '" +
           store_ + "-late', '" + store_ + "-late', '" + store_ +
           "', f, t, at FROM (VALUES "
           "  (NULL, 'entrance', 0), ('entrance', 'table-9', 5), ('table-9', NULL, 60)) AS m(f, t, minutes), "
           "  LATERAL (SELECT ('" +
           range.first_day +
           "'::date + 2 + time '12:00') AT TIME ZONE 'Europe/Paris' "
           "                  + minutes * interval '1 minute' AS at) AS x;");
  compare(range, "after the correction");
  auto answer = pool_.run([&](pqxx::connection& connection) -> domain::Result<std::uint32_t> {
    pqxx::read_transaction tx(connection);
    std::vector<db::DayFigures> days = db::read_days(tx, range);
    application::StoreAnalytics figures;
    db::add_up(days, figures);
    for (const auto& table : figures.tables) {
      if (table.zone_id == "table-9") return table.sittings;
    }
    return 0U;
  });
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, 1U);
}

TEST(PercentileCont, MatchesPostgresToTheLastBit) {
  const std::vector<double> values{4.0, 1.0, 3.0, 2.0, 0.1, 1e-7, 2.7};
  for (const double fraction : {0.0, 0.1, 0.5, 0.9, 0.99, 1.0}) {
    const std::string sql = "SELECT percentile_cont(" + std::to_string(fraction) +
                            ") WITHIN GROUP (ORDER BY x) FROM unnest(ARRAY[4, 1, 3, 2, 0.1, 1e-7, 2.7]::float8[]) AS x";
    std::vector<double> copy = values;
    EXPECT_EQ(db::percentile_cont(copy, fraction), std::stod(psql(postgres_url(), sql))) << fraction;
  }
  std::vector<double> none;
  EXPECT_EQ(db::percentile_cont(none, 0.5), 0.0);
}

}  // namespace
}  // namespace tastesync::testing
