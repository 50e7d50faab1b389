// Times GetStoreAnalytics' SQL on a busy store's year: seeds a PostgreSQL of
// its own (local_stack: scripts/postgres.sh in a temporary directory, stopped
// by PID at the end) with 365 days x 300 visits (12 tables, 20,000 customers, each
// visit entrance -> a table -> gone), then runs the analytics for a day, a
// month and the whole year: once cold (no day kept yet: the first ask keeps
// the range's closed days, migrations/0010) and 11 times warm. The seeded
// year is in the past, so every day of it is final. docs/performance.md has
// runs.
//   build/bench/analytics_query [--postgres-url URL]   (a URL: seed and time there)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "infrastructure/db/migrations.h"
#include "infrastructure/db/pg_pool.h"
#include "infrastructure/db/postgres_store_analytics.h"
#include "local_stack/local_stack.h"
#include "local_stack/project_files.h"

namespace {

namespace db = tastesync::infrastructure::db;
constexpr int kDays = 365;
constexpr int kVisitsPerDay = 300;

// The store, its zones, the visits and their transitions, all made by
// PostgreSQL itself (a year in a few seconds).
const char* kSeedSql =
    "INSERT INTO stores (store_id, name) VALUES ('bench-bistro', 'Bench Bistro') ON CONFLICT DO NOTHING;"
    "INSERT INTO zones (store_id, zone_id, kind, label) SELECT 'bench-bistro', 'entrance', 'entrance', 'Entrance' "
    "  UNION ALL SELECT 'bench-bistro', 'table-' || t, 'table', 'Table ' || t FROM generate_series(1, 12) t "
    "  ON CONFLICT DO NOTHING;"
    "SELECT setseed(0.17);"
    "INSERT INTO visits (visit_id, customer_id, store_id, entered_at, seated_at, left_at, current_zone_id, "
    "                    current_zone_kind, zone_since, last_seen) "
    "SELECT visit_id, customer_id, 'bench-bistro', entered_at, seated_at, left_at, zone, 'table', seated_at, left_at "
    "FROM (SELECT 'bench-' || d || '-' || i AS visit_id, 'guest-' || floor(random() * 20000)::int AS customer_id, "
    "             e AS entered_at, e + (60 + random() * 300) * interval '1 second' AS seated_at, "
    "             e + (1800 + random() * 5400) * interval '1 second' AS left_at, "
    "             'table-' || (1 + floor(random() * 12)::int) AS zone "
    "      FROM generate_series(0, 364) d, generate_series(0, 299) i, "
    "           LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + d * interval '1 day' + interval '11 hours' "
    "                           + (random() + i * 0) * interval '11 hours' AS e) AS start) AS seeded;"
    "INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, to_zone_id, at) "
    "SELECT visit_id, customer_id, store_id, NULL, 'entrance', entered_at FROM visits WHERE store_id = 'bench-bistro' "
    "UNION ALL SELECT visit_id, customer_id, store_id, 'entrance', current_zone_id, seated_at FROM visits "
    "  WHERE store_id = 'bench-bistro' "
    "UNION ALL SELECT visit_id, customer_id, store_id, current_zone_id, NULL, left_at FROM visits "
    "  WHERE store_id = 'bench-bistro' ORDER BY 6;";

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  std::unique_ptr<tastesync::local_stack::LocalStack> own;  // stopped by PID when main returns
  if (argc == 3 && std::string(argv[1]) == "--postgres-url") {
    url = argv[2];
  } else {
    try {
      own = std::make_unique<tastesync::local_stack::LocalStack>(
          "analytics", tastesync::local_stack::StackParts{.redis = false, .kafka = false});
    } catch (const std::runtime_error& error) {
      std::cerr << "analytics_query: " << error.what() << '\n';
      return 1;
    }
    url = own->postgres_url();
  }
  int status = 0;
  {
    db::PgPool pool(db::PgPoolOptions{.url = url, .size = 2});
    auto migrated = db::apply_migrations(pool, (tastesync::local_stack::source_dir() / "migrations").string());
    if (!migrated) {
      std::cerr << "analytics_query: migrations: " << migrated.error().message << '\n';
      status = 1;
    }
    const auto seed_started = std::chrono::steady_clock::now();
    auto seeded = status != 0 ? tastesync::domain::Result<void>{} : pool.run([](pqxx::connection& connection) {
      pqxx::work tx(connection);
      tx.exec("SET LOCAL statement_timeout = 0");  // a year takes longer than the pool's 5 s
      const bool present = !tx.exec("SELECT 1 FROM visits WHERE store_id = 'bench-bistro' LIMIT 1").empty();
      if (!present) tx.exec(kSeedSql);
      tx.commit();
      // As autovacuum would by itself a while after: statistics, and the
      // visibility map that lets index-only scans skip the table.
      pqxx::nontransaction maintenance(connection);
      maintenance.exec("SET statement_timeout = 0");
      maintenance.exec("VACUUM ANALYZE visits");
      maintenance.exec("VACUUM ANALYZE zone_transitions");
      // Cold again: the first ask of each range below keeps its days.
      maintenance.exec("DELETE FROM analytics_days WHERE store_id = 'bench-bistro'");
      maintenance.exec("RESET statement_timeout");
      return tastesync::domain::Result<void>{};
    });
    if (!seeded) {
      std::cerr << "analytics_query: seeding: " << seeded.error().message << '\n';
      status = 1;
    }
    if (status == 0) {
      std::printf("seeded %d days x %d visits in %.1f s\n", kDays, kVisitsPerDay,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_started).count());
      // The baseline, same run: PostgreSQL sorting as many numbers as the
      // year's table events (219,000), which says how fast this machine is now.
      std::vector<double> baseline;
      for (int run = 0; run < 5; ++run) {
        const auto started = std::chrono::steady_clock::now();
        (void)pool.run([](pqxx::connection& connection) {
          pqxx::work tx(connection);
          tx.exec("SET LOCAL work_mem = '64MB'");
          tx.exec("SELECT count(*) FROM (SELECT random() AS r FROM generate_series(1, 219000) ORDER BY r OFFSET 0) s");
          return tastesync::domain::Result<void>{};
        });
        baseline.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
      }
      std::sort(baseline.begin(), baseline.end());
      std::printf("baseline: sorting 219,000 numbers in PostgreSQL, best %.1f ms\n", baseline.front());
      db::PostgresStoreAnalytics analytics(pool);
      const struct {
        const char* name;
        const char* from;
        const char* to;
      } ranges[] = {{"one day", "2025-07-15", "2025-07-15"},
                    {"one month", "2025-07-01", "2025-07-31"},
                    {"the year", "2025-01-01", "2025-12-31"}};
      std::printf("%-10s %8s %10s %10s %10s %10s %16s\n", "range", "visits", "cold ms", "best ms", "median ms",
                  "max ms", "median / baseline");
      for (const auto& range : ranges) {
        std::vector<double> ms;
        double cold = 0.0;
        std::uint32_t visits = 0;
        for (int run = 0; run < 12; ++run) {
          const auto started = std::chrono::steady_clock::now();
          auto figures = analytics.analytics({"bench-bistro", range.from, range.to, "Europe/Paris"});
          const double took =
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
          if (!figures) {
            std::cerr << "analytics_query: " << figures.error().message << '\n';
            status = 1;
            break;
          }
          if (run == 0) {
            cold = took;
          } else {
            ms.push_back(took);
          }
          visits = figures->visits;
        }
        std::sort(ms.begin(), ms.end());
        if (!ms.empty()) {
          std::printf("%-10s %8u %10.1f %10.1f %10.1f %10.1f %16.2f\n", range.name, visits, cold, ms.front(),
                      ms[ms.size() / 2], ms.back(), ms[ms.size() / 2] / baseline.front());
        }
      }
    }
  }
  return status;
}
