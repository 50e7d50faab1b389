// Migration 0011 converts a ledger that has lived under 0001–0010 into
// partitions by store without losing or changing a row, and everything that
// reads or writes the ledger works the same afterwards: the ledger's
// record/touch/recall, one open visit per customer across stores under a
// race, the NOTIFY per outbox row (0009), the analytics days and their
// forgetting triggers (0010), and the relay publishing what was waiting.
// Real PostgreSQL 15 and the embedded Kafka.

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "infrastructure/db/migrations.h"
#include "infrastructure/db/outbox_payload.h"
#include "infrastructure/db/pg_pool.h"
#include "infrastructure/db/postgres_floor_listener.h"
#include "infrastructure/db/postgres_store_analytics.h"
#include "infrastructure/db/postgres_visit_ledger.h"
#include "infrastructure/kafka/kafka_publisher.h"
#include "infrastructure/kafka/outbox_relay.h"
#include "integration/event_consumer.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"
#include "integration/test_database.h"
#include "util/uuid.h"

namespace tastesync::testing {
namespace {

namespace db = infrastructure::db;
namespace kafka = infrastructure::kafka;
using namespace std::chrono_literals;

constexpr int kStores = 8;
constexpr int kClosedVisitsPerStore = 30;

std::string store(int i) { return "part-store-" + std::to_string(i); }

// The migrations up to `last` copied to a directory of their own, so a
// database can be brought to the schema as it was before 0011.
std::filesystem::path migrations_up_to(int last, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "migrations")) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 4 && std::stoi(name.substr(0, 4)) <= last) {
      std::filesystem::copy_file(entry.path(), dir / name, std::filesystem::copy_options::overwrite_existing);
    }
  }
  return dir;
}

std::string one(pqxx::connection& connection, const std::string& sql) {
  pqxx::nontransaction tx(connection);
  const pqxx::result rows = tx.exec(sql);
  return rows.empty() || rows[0][0].is_null() ? "" : rows[0][0].as<std::string>();
}

// Every row of the three tables, as text, in a fixed order: equal digests
// mean the same rows with the same values.
std::string ledger_digest(pqxx::connection& connection) {
  return one(connection,
             "SELECT md5((SELECT string_agg(v::text, '|' ORDER BY visit_id) FROM visits v) || '#' || "
             "(SELECT string_agg(t::text, '|' ORDER BY id) FROM zone_transitions t) || '#' || "
             "(SELECT string_agg(o::text, '|' ORDER BY seq) FROM outbox o))");
}

domain::DomainEvent entered(const std::string& customer, const std::string& store_id, const std::string& visit) {
  domain::DomainEvent event;
  event.event_id = util::new_uuid_v7();
  event.type = domain::EventType::kCustomerEnteredStore;
  event.occurred_at = domain::Clock::now();
  event.customer_id = customer;
  event.visit_id = visit;
  event.store_id = store_id;
  event.zone_id = "entrance";
  event.confidence = 0.9;
  return event;
}

// The ledger of eight stores as 0001–0010 kept it: two days of closed
// visits with their transitions, one customer present at each store, and
// outbox rows, most delivered, the last ones still waiting for the relay.
void fill_old_schema(pqxx::connection& connection, const std::string& customers) {
  pqxx::work tx(connection);
  for (int i = 0; i < kStores; ++i) {
    const std::string s = tx.quote(store(i));
    tx.exec("INSERT INTO stores (store_id, name) VALUES (" + s + ", 'Partitioned')");
    tx.exec("INSERT INTO zones (store_id, zone_id, kind) VALUES (" + s + ", 'entrance', 'entrance'), (" + s +
            ", 'table-1', 'table'), (" + s + ", 'table-2', 'table')");
    tx.exec(
        "INSERT INTO visits (visit_id, customer_id, store_id, entered_at, seated_at, left_at, current_zone_id, "
        "current_zone_kind, zone_since, last_seen) "
        "SELECT " +
        s + " || '-v' || g, " + tx.quote(customers) + " || '-old-' || g, " + s +
        ", start, start + interval '3 minutes', start + interval '50 minutes', 'table-1', 'table', "
        "start + interval '3 minutes', start + interval '50 minutes' "
        "FROM generate_series(1, " +
        std::to_string(kClosedVisitsPerStore) +
        ") AS g, "
        "LATERAL (SELECT date_trunc('day', now()) - interval '2 days' + g * interval '17 minutes' AS start) AS s");
    tx.exec(
        "INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, to_zone_id, at) "
        "SELECT visit_id, customer_id, store_id, NULL, 'entrance', entered_at FROM visits WHERE store_id = " +
        s +
        " UNION ALL SELECT visit_id, customer_id, store_id, 'entrance', 'table-1', seated_at FROM visits "
        "WHERE store_id = " +
        s +
        " UNION ALL SELECT visit_id, customer_id, store_id, 'table-1', NULL, left_at FROM visits WHERE store_id = " +
        s);
    // Present now: at table-1 since a minute ago.
    const std::string customer = customers + "-now-" + std::to_string(i);
    tx.exec(
        "INSERT INTO visits (visit_id, customer_id, store_id, entered_at, seated_at, current_zone_id, "
        "current_zone_kind, zone_since, last_seen) VALUES (" +
        s + " || '-open', " + tx.quote(customer) + ", " + s +
        ", now() - interval '5 minutes', now() - interval '1 minute', 'table-1', 'table', now() - interval '1 minute', "
        "now() - interval '1 minute')");
    for (int e = 0; e < 6; ++e) {
      const domain::DomainEvent event = entered(customer, store(i), store(i) + "-open");
      tx.exec_params(
          "INSERT INTO outbox (event_id, store_id, customer_id, event_type, payload, occurred_at, sent_at) "
          "VALUES ($1::uuid, $2, $3, 'CustomerEnteredStore', $4, now(), CASE WHEN $5 THEN now() END)",
          event.event_id, event.store_id, customer, pqxx::binarystring(db::outbox_payload(event)), e < 4);
    }
  }
  tx.commit();
}

class LedgerPartitioning : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto old_migrations = migrations_up_to(10, dir_ / "migrations-0010");
    auto applied = db::apply_migrations(pool_, old_migrations);
    ASSERT_TRUE(applied) << applied.error().message;
    ASSERT_EQ(*applied, 10);
    fill_old_schema(connection_, customers_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  application::AnalyticsPeriod past_days(int i) const {
    const std::string from = one(connection_, "SELECT (current_date - 3)::text");
    const std::string to = one(connection_, "SELECT (current_date - 1)::text");
    return {store(i), from, to, "UTC"};
  }

  TestDatabase database_{"cid-part"};
  std::filesystem::path dir_ = make_server_dir("partitioning");
  db::PgPool pool_{db::PgPoolOptions{.url = database_.url(), .size = 4}};
  mutable pqxx::connection connection_{database_.url()};
  std::string customers_ = unique_customer("part");
};

TEST_F(LedgerPartitioning, MigrationKeepsEveryRowAndEveryBehaviour) {
  // Analytics of past days, kept (analytics_days) before the migration.
  db::PostgresStoreAnalytics analytics(pool_);
  auto before = analytics.analytics(past_days(0));
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_EQ(before->visits, static_cast<std::uint32_t>(kClosedVisitsPerStore));
  const std::string kept_days = one(connection_, "SELECT count(*) FROM analytics_days");
  ASSERT_NE(kept_days, "0");
  const std::string digest = ledger_digest(connection_);
  const std::string max_seq = one(connection_, "SELECT max(seq) FROM visits");

  auto applied = db::apply_migrations(pool_, migrations_up_to(11, dir_ / "migrations-0011"));
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(*applied, 1);

  // Every row, every value, as it was; partitioned tables now.
  EXPECT_EQ(ledger_digest(connection_), digest);
  EXPECT_EQ(one(connection_,
                "SELECT string_agg(relkind::text, '' ORDER BY relname) FROM pg_class WHERE relname IN "
                "('visits', 'zone_transitions', 'outbox')"),
            "ppp");
  // A store's rows sit in one partition of each table, of the same number;
  // the stores are spread over several.
  for (int i = 0; i < kStores; ++i) {
    EXPECT_EQ(
        one(connection_,
            "SELECT count(DISTINCT right(p::text, 3)) FROM ("
            "SELECT tableoid::regclass AS p FROM visits WHERE store_id = '" +
                store(i) + "' UNION ALL SELECT tableoid::regclass FROM zone_transitions WHERE store_id = '" + store(i) +
                "' UNION ALL SELECT tableoid::regclass FROM outbox WHERE store_id = '" + store(i) + "') AS rows"),
        "1")
        << store(i);
  }
  EXPECT_GT(std::stoi(one(connection_, "SELECT count(DISTINCT tableoid) FROM visits")), 1);
  // Copying is not a change of the ledger: no kept day was forgotten.
  EXPECT_EQ(one(connection_, "SELECT count(*) FROM analytics_days"), kept_days);
  auto after = analytics.analytics(past_days(0));
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->visits, before->visits);
  EXPECT_EQ(after->visits_per_hour, before->visits_per_hour);
  EXPECT_EQ(after->visit_length.median_seconds, before->visit_length.median_seconds);
  EXPECT_EQ(after->open_hours, before->open_hours);

  // The ledger reads and writes the migrated rows.
  db::PostgresVisitLedger ledger(pool_);
  const std::string present = customers_ + "-now-0";
  auto current = ledger.current(present);
  ASSERT_TRUE(current && current->has_value()) << (current ? "no open visit" : current.error().message);
  EXPECT_EQ((*current)->visit_id, store(0) + "-open");
  auto touched = ledger.touch(present, **current);
  ASSERT_TRUE(touched) << touched.error().message;
  EXPECT_TRUE(*touched);
  // A move to the other table, then to another store (closing this visit).
  domain::Presence moved = **current;
  moved.zone_id = "table-2";
  moved.zone_since = moved.last_seen = domain::Clock::now();
  ASSERT_TRUE(ledger.record(present, *current, moved, {}, std::nullopt));
  domain::Presence elsewhere{store(1) + "-next",   store(1),
                             "entrance",           domain::ZoneKind::kEntrance,
                             domain::Clock::now(), domain::Clock::now(),
                             domain::Clock::now()};
  ASSERT_TRUE(ledger.record(present, moved, elsewhere, {entered(present, store(1), elsewhere.visit_id)}, std::nullopt));
  EXPECT_EQ(one(connection_,
                "SELECT string_agg(store_id || ':' || (left_at IS NULL)::text, ',' ORDER BY seq) "
                "FROM visits WHERE customer_id = '" +
                    present + "'"),
            store(0) + ":false," + store(1) + ":true");
  EXPECT_GT(std::stoll(one(connection_, "SELECT max(seq) FROM visits")), std::stoll(max_seq));
  // A stale before (the migrated place) writes nothing.
  auto stale = ledger.record(present, *current, moved, {}, std::nullopt);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, domain::ErrorCode::kAborted);
  auto history = ledger.visits(present, 10);
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), 2U);
  EXPECT_EQ(history->back().zones.size(), 1U);  // the stay at table-2; the migrated stays had no transitions

  // 0010's forgetting still fires: a correction to a kept day forgets it.
  {
    pqxx::work fix(connection_);
    fix.exec("UPDATE visits SET left_at = left_at + interval '1 minute' WHERE visit_id = '" + store(0) + "-v1'");
    fix.commit();
  }
  EXPECT_EQ(one(connection_, "SELECT count(*) FROM analytics_days WHERE store_id = '" + store(0) + "'"), "0");

  // 0012 on the same lived-in database: every store stays and gets a version
  // of its own; a change to one store's zones gives that store alone a new one.
  const std::string stores = one(connection_, "SELECT count(*) FROM stores");
  const std::string rows_before = ledger_digest(connection_);
  auto versioned = db::apply_migrations(pool_, migrations_up_to(12, dir_ / "migrations-0012"));
  ASSERT_TRUE(versioned) << versioned.error().message;
  EXPECT_EQ(*versioned, 1);
  EXPECT_EQ(one(connection_, "SELECT count(*) FROM stores"), stores);
  EXPECT_EQ(one(connection_, "SELECT count(DISTINCT registry_version) FROM stores"), stores);
  EXPECT_EQ(ledger_digest(connection_), rows_before);
  const auto version = [this](int i) {
    return one(connection_, "SELECT registry_version FROM stores WHERE store_id = '" + store(i) + "'");
  };
  const std::string changed_before = version(0);
  const std::string other_before = version(1);
  {
    pqxx::work add(connection_);
    add.exec("INSERT INTO zones (store_id, zone_id, kind) VALUES ('" + store(0) + "', 'patio', 'table')");
    add.commit();
  }
  EXPECT_NE(version(0), changed_before);
  EXPECT_EQ(version(1), other_before);
}

TEST_F(LedgerPartitioning, OneOpenVisitPerCustomerAcrossStoresUnderARace) {
  ASSERT_TRUE(db::apply_migrations(pool_, source_dir() / "migrations"));
  db::PostgresVisitLedger ledger(pool_);
  // Twenty customers, each entering two stores at once from two threads
  // (two instances deciding on conflicting sightings): the stores' rows are
  // in different partitions, so no unique index sees both inserts.
  const std::string a = store(0);
  const std::string b = one(connection_,
                            "SELECT min(store_id) FROM visits WHERE tableoid <> (SELECT tableoid FROM visits WHERE "
                            "store_id = '" +
                                a + "' LIMIT 1)");
  ASSERT_FALSE(b.empty()) << "all stores in one partition";
  int both_won = 0;
  for (int round = 0; round < 20; ++round) {
    const std::string customer = customers_ + "-race-" + std::to_string(round);
    std::atomic<int> won{0};
    std::latch start(2);
    auto enter = [&](const std::string& store_id) {
      const auto now = domain::Clock::now();
      const domain::Presence at{
          store_id + "-" + customer, store_id, "entrance", domain::ZoneKind::kEntrance, now, now, now};
      // Odd rounds as Identify records them (with the request's answer: the
      // lock rides on the answer's statement), even rounds without one.
      std::optional<application::LedgerAnswer> answer;
      if (round % 2 == 1) {
        application::RememberedReply reply;
        reply.request_fingerprint = "digest-" + store_id;
        reply.response.customer_id = customer;
        reply.response.location.store_id = store_id;
        reply.response.location.zone_id = "entrance";
        reply.response.location_changed = true;
        answer = application::LedgerAnswer{customer + "\n" + store_id, reply, std::nullopt};
      }
      start.arrive_and_wait();
      if (ledger.record(customer, std::nullopt, at, {}, answer)) ++won;
    };
    std::thread first(enter, a), second(enter, b);
    first.join();
    second.join();
    EXPECT_EQ(won.load(), 1) << customer;
    if (won.load() == 2) ++both_won;
    EXPECT_EQ(
        one(connection_, "SELECT count(*) FROM visits WHERE left_at IS NULL AND customer_id = '" + customer + "'"),
        "1");
  }
  EXPECT_EQ(both_won, 0);
}

TEST_F(LedgerPartitioning, MigratedWaitingEventsAreRelayedAndNewRowsAreAnnounced) {
  ASSERT_TRUE(db::apply_migrations(pool_, source_dir() / "migrations"));
  ASSERT_EQ(one(connection_, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), std::to_string(kStores * 2));

  // 0009's announcement per committed outbox row.
  std::mutex mutex;
  std::vector<std::string> announced;
  std::atomic<bool> listening{false};
  db::PostgresFloorListener listener(
      pool_,
      [&](const domain::DomainEvent& event) {
        std::scoped_lock lock(mutex);
        announced.push_back(event.event_id);
      },
      [&] { listening = true; }, [](const std::string&) {});
  for (int i = 0; i < 500 && !listening; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(listening);

  db::PostgresVisitLedger ledger(pool_);
  const std::string customer = customers_ + "-new";
  const auto now = domain::Clock::now();
  const domain::Presence at{store(3) + "-new", store(3), "entrance", domain::ZoneKind::kEntrance, now, now, now};
  const domain::DomainEvent event = entered(customer, store(3), at.visit_id);
  ASSERT_TRUE(ledger.record(customer, std::nullopt, at, {event}, std::nullopt));

  // The relay sends what waited before the migration and the new row.
  auto publisher = kafka::KafkaPublisher::create({.brokers = kafka_bootstrap(), .topic = kEventsTopic});
  ASSERT_TRUE(publisher) << publisher.error().message;
  kafka::OutboxRelay relay(pool_, **publisher, {.poll_interval = 20ms, .balance_interval = 100ms});
  relay.start();
  EventConsumer consumer(kafka_bootstrap());
  const std::string prefix = customers_ + "-";
  auto ours = [&] {
    std::set<std::string> ids;
    for (const ConsumedEvent& consumed : consumer.all()) {
      if (consumed.event.customer_id.starts_with(prefix)) ids.insert(consumed.event.event_id);
    }
    return ids;
  };
  const std::size_t expected = kStores * 2 + 1;
  EXPECT_TRUE(consumer.poll_until([&] { return ours().size() >= expected; }, 20s))
      << ours().size() << " of " << expected << " events; " << consumer.last_error();
  EXPECT_EQ(ours().size(), expected);  // and none of the four delivered ones per store again
  EXPECT_TRUE(ours().contains(event.event_id));
  for (int i = 0; i < 500 && one(connection_, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") != "0"; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(one(connection_, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), "0");
  relay.stop();
  std::scoped_lock lock(mutex);
  EXPECT_NE(std::find(announced.begin(), announced.end(), event.event_id), announced.end());
}

}  // namespace
}  // namespace tastesync::testing
