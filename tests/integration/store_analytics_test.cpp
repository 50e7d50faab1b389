// GetStoreAnalytics' SQL against the real PostgreSQL, on a day whose figures
// are known by hand: a party of two at table 1, a returning customer who
// moves from table 2 to table 1, and that customer's earlier visit.

#include <gtest/gtest.h>

#include "infrastructure/db/migrations.h"
#include "infrastructure/db/pg_pool.h"
#include "infrastructure/db/postgres_store_analytics.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

namespace db = infrastructure::db;

// One visit: entrance at `in`, then each (zone, at) in turn, gone at `out`.
std::string visit_sql(const std::string& store, const std::string& visit, const std::string& customer,
                      const std::string& in, const std::vector<std::pair<std::string, std::string>>& tables,
                      const std::string& out) {
  const std::string last = tables.empty() ? "entrance" : tables.back().first;
  const std::string seated = tables.empty() ? "NULL" : "'" + tables.front().second + "'";
  std::string sql =
      "INSERT INTO visits (visit_id, customer_id, store_id, entered_at, seated_at, left_at, "
      "current_zone_id, current_zone_kind, zone_since, last_seen) VALUES ('" +
      visit + "', '" + customer + "', '" + store + "', '" + in + "', " + seated + ", '" + out + "', '" + last + "', '" +
      (tables.empty() ? "entrance" : "table") + "', '" + in + "', '" + out + "');";
  std::string from = "NULL";
  std::string previous = "entrance";
  sql += "INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, to_zone_id, at) VALUES ('" +
         visit + "', '" + customer + "', '" + store + "', NULL, 'entrance', '" + in + "');";
  for (const auto& [zone, at] : tables) {
    sql += "INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, to_zone_id, at) VALUES ('" +
           visit + "', '" + customer + "', '" + store + "', '" + previous + "', '" + zone + "', '" + at + "');";
    previous = zone;
  }
  sql += "INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, to_zone_id, at) VALUES ('" +
         visit + "', '" + customer + "', '" + store + "', '" + previous + "', NULL, '" + out + "');";
  return sql;
}

TEST(StoreAnalyticsSql, ADayWorkedOutByHand) {
  db::PgPool pool(db::PgPoolOptions{.url = postgres_url(), .size = 1});
  ASSERT_TRUE(db::apply_migrations(pool, (source_dir() / "migrations").string()));
  const std::string store = unique_customer("analytics");
  const std::string a = store + "-a";
  const std::string b = store + "-b";
  const std::string c = store + "-c";
  std::string sql = "INSERT INTO stores (store_id, name) VALUES ('" + store + "', 'Test');" +
                    "INSERT INTO zones (store_id, zone_id, kind) VALUES ('" + store + "', 'entrance', 'entrance'), ('" +
                    store + "', 'table-1', 'table'), ('" + store + "', 'table-2', 'table');";
  sql += visit_sql(store, store + "-c0", c, "2026-03-01 12:00Z", {}, "2026-03-01 12:30Z");
  sql +=
      visit_sql(store, store + "-va", a, "2026-03-14 12:00Z", {{"table-1", "2026-03-14 12:05Z"}}, "2026-03-14 13:05Z");
  sql +=
      visit_sql(store, store + "-vb", b, "2026-03-14 12:01Z", {{"table-1", "2026-03-14 12:06Z"}}, "2026-03-14 13:00Z");
  sql += visit_sql(store, store + "-vc", c, "2026-03-14 19:00Z",
                   {{"table-2", "2026-03-14 19:10Z"}, {"table-1", "2026-03-14 19:30Z"}}, "2026-03-14 20:00Z");
  psql(postgres_url(), sql);

  db::PostgresStoreAnalytics analytics(pool);
  auto figures = analytics.analytics({store, "2026-03-14", "2026-03-14", "UTC"});
  ASSERT_TRUE(figures) << figures.error().message;
  EXPECT_EQ(figures->visits, 3U);
  EXPECT_EQ(figures->visits_per_hour[12], 2U);
  EXPECT_EQ(figures->visits_per_hour[19], 1U);
  EXPECT_EQ(figures->visit_length.count, 3U);
  EXPECT_DOUBLE_EQ(figures->visit_length.median_seconds, 3600);  // 59, 60 and 65 minutes
  EXPECT_DOUBLE_EQ(figures->visit_length.p90_seconds, 3840);
  EXPECT_DOUBLE_EQ(figures->time_to_seat.median_seconds, 300);  // 5, 5 and 10 minutes
  EXPECT_EQ(figures->open_days, 1U);
  EXPECT_DOUBLE_EQ(figures->open_hours, 8.0);  // 12:00 to 20:00
  EXPECT_EQ(figures->new_customers, 2U);
  EXPECT_EQ(figures->returning_customers, 1U);
  ASSERT_EQ(figures->tables.size(), 2U);
  EXPECT_EQ(figures->tables[0].zone_id, "table-1");
  EXPECT_EQ(figures->tables[0].sittings, 2U);  // the party of two once, then the customer from table 2
  EXPECT_DOUBLE_EQ(figures->tables[0].occupancy, 90.0 / 480.0);
  EXPECT_EQ(figures->tables[1].sittings, 1U);
  EXPECT_DOUBLE_EQ(figures->tables[1].occupancy, 20.0 / 480.0);

  // Hours are local: in Paris (UTC+1 in March) the party arrived at 13:00.
  auto paris = analytics.analytics({store, "2026-03-14", "2026-03-14", "Europe/Paris"});
  ASSERT_TRUE(paris);
  EXPECT_EQ(paris->visits_per_hour[13], 2U);

  auto unknown = analytics.analytics({store, "2026-03-14", "2026-03-14", "Mars/Olympus"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "time_zone");
}

}  // namespace
}  // namespace tastesync::testing
