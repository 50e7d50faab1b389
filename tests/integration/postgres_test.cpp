// The PostgreSQL adapters against a real PostgreSQL 15 started by
// scripts/postgres.sh. Each test gets a database of its own, so tests never
// see each other's rows.

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <latch>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "infrastructure/db/migrations.h"
#include "infrastructure/db/pg_pool.h"
#include "infrastructure/db/postgres_customer_directory.h"
#include "infrastructure/db/postgres_registry.h"
#include "infrastructure/db/postgres_visit_ledger.h"
#include "integration/local_servers.h"
#include "util/uuid.h"

namespace tastesync::infrastructure::db {
namespace {

using domain::ErrorCode;
using namespace std::chrono_literals;

const std::filesystem::path kMigrations = std::filesystem::path(CID_SOURCE_DIR) / "migrations";
const std::string kNasty = "'; DROP TABLE stores; --";

std::string random_suffix() {
  static std::mt19937_64 random{std::random_device{}()};
  static std::mutex mutex;
  std::scoped_lock lock(mutex);
  return std::to_string(random());
}

// postgresql://host:port/db → the same server's `database`.
std::string with_database(const std::string& url, const std::string& database) {
  return url.substr(0, url.rfind('/') + 1) + database;
}

long long count(const std::string& url, const std::string& sql) {
  pqxx::connection connection(url);
  pqxx::nontransaction tx(connection);
  return tx.exec(sql)[0][0].as<long long>();
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

PgPoolOptions pool_options(const std::string& url, std::size_t size) {
  PgPoolOptions options;
  options.url = url;
  options.size = size;
  return options;
}

RegistryOptions fast_reconnect() {
  RegistryOptions options;
  options.min_backoff = 50ms;
  options.max_backoff = 500ms;
  return options;
}

domain::BeaconUuid uuid(const char* text) { return *domain::BeaconUuid::parse(text); }
const domain::BeaconUuid kUuid = uuid("f7826da6-4fa2-4e98-8024-bc5b71e0893e");

domain::Beacon beacon(const std::string& store, const std::string& zone, std::uint16_t minor) {
  domain::Beacon b;
  b.key = domain::BeaconKey{kUuid, 1, minor};
  b.store_id = store;
  b.zone_id = zone;
  b.tx_power_1m = -60;
  b.calibration_offset_db = 1.5;
  return b;
}

domain::Store store_with_zones(const std::string& id) {
  return domain::Store{id,
                       "Store " + id,
                       {domain::Zone{"entrance", id, domain::ZoneKind::kEntrance, "Entrance"},
                        domain::Zone{"table-1", id, domain::ZoneKind::kTable, "Table 1"},
                        domain::Zone{"table-2", id, domain::ZoneKind::kTable, "Table 2"}}};
}

domain::Timestamp at_seconds(int seconds) {
  // A fixed, microsecond-exact instant: PostgreSQL keeps microseconds.
  return domain::Timestamp(std::chrono::seconds(1'700'000'000 + seconds));
}

domain::Presence presence(const std::string& visit, const std::string& store, const std::string& zone,
                          domain::ZoneKind kind, int entered, int since) {
  return domain::Presence{visit, store, zone, kind, at_seconds(entered), at_seconds(since), at_seconds(since)};
}

domain::DomainEvent event(domain::EventType type, const domain::Presence& p, const std::string& customer) {
  domain::DomainEvent e;
  e.event_id = util::new_uuid_v7();
  e.type = type;
  e.occurred_at = p.zone_since;
  e.customer_id = customer;
  e.visit_id = p.visit_id;
  e.store_id = p.store_id;
  e.zone_id = p.zone_id;
  e.confidence = 0.9;
  return e;
}

// A database of the test's own on the suite's shared server, migrated.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string& server = testing::postgres_url();
    database_ = "cid_test_" + random_suffix();
    {
      pqxx::connection connection(server);
      pqxx::nontransaction tx(connection);
      tx.exec("CREATE DATABASE " + tx.quote_name(database_));
    }
    url_ = with_database(server, database_);
    pool_ = std::make_unique<PgPool>(pool_options(url_, 4));
    auto applied = apply_migrations(*pool_, kMigrations);
    ASSERT_TRUE(applied.has_value()) << applied.error().message;
  }

  void TearDown() override {
    pool_.reset();
    try {
      pqxx::connection connection(testing::postgres_url());
      pqxx::nontransaction tx(connection);
      tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(database_) + " WITH (FORCE)");
    } catch (const std::exception&) {
      // A leftover test database is harmless; the server dir is temporary.
    }
  }

  std::unique_ptr<PostgresRegistry> registry() {
    auto created = PostgresRegistry::create(*pool_);
    EXPECT_TRUE(created.has_value()) << created.error().message;
    return created ? std::move(*created) : nullptr;
  }

  long long rows(const std::string& table) { return count(url_, "SELECT count(*) FROM " + table); }

  std::string database_;
  std::string url_;
  std::unique_ptr<PgPool> pool_;
};

TEST_F(PostgresTest, MigrationsApplyOnceEvenWhenInstancesRace) {
  auto again = apply_migrations(*pool_, kMigrations);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*again, 0);
  EXPECT_GE(rows("schema_migrations"), 1);

  // A fresh database migrated by four "instances" at once: each file once.
  const std::string other = "cid_test_" + random_suffix();
  {
    pqxx::connection connection(testing::postgres_url());
    pqxx::nontransaction tx(connection);
    tx.exec("CREATE DATABASE " + tx.quote_name(other));
  }
  PgPool other_pool(pool_options(with_database(testing::postgres_url(), other), 4));
  std::atomic<int> total{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> instances;
  for (int i = 0; i < 4; ++i) {
    instances.emplace_back([&] {
      auto applied = apply_migrations(other_pool, kMigrations);
      if (applied)
        total += *applied;
      else
        ++failures;
    });
  }
  for (auto& instance : instances) instance.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(total, rows("schema_migrations"));

  auto missing = apply_migrations(*pool_, kMigrations / "no-such-dir");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(PostgresTest, PoolBoundsStatementsAndReportsHealth) {
  EXPECT_TRUE(pool_->healthy());
  auto setting = pool_->run([](pqxx::connection& connection) -> domain::Result<std::string> {
    pqxx::nontransaction tx(connection);
    return tx.exec("SHOW statement_timeout")[0][0].as<std::string>();
  });
  ASSERT_TRUE(setting.has_value());
  EXPECT_EQ(*setting, "5s");

  PgPoolOptions impatient = pool_options(url_, 1);
  impatient.statement_timeout = 100ms;
  PgPool pool(impatient);
  auto slow = pool.run([](pqxx::connection& connection) -> domain::Result<void> {
    pqxx::nontransaction tx(connection);
    tx.exec("SELECT pg_sleep(2)");
    return {};
  });
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(slow.error().message.find("timed out"), std::string::npos) << slow.error().message;
  // A bug in a query is not an outage, and the connection stays usable.
  auto bug = pool.run([](pqxx::connection& connection) -> domain::Result<void> {
    pqxx::nontransaction tx(connection);
    tx.exec("SELECT no_such_column FROM stores");
    return {};
  });
  ASSERT_FALSE(bug.has_value());
  EXPECT_EQ(bug.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(pool.healthy());

  PgPool nowhere(pool_options("postgresql://postgres@127.0.0.1:1/customer_id", 1));
  auto refused = nowhere.ping();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

TEST_F(PostgresTest, RegistryServesWhatAdminWrote) {
  auto reg = registry();
  ASSERT_NE(reg, nullptr);
  EXPECT_TRUE(reg->current()->stores().empty());

  ASSERT_TRUE(reg->create_store(store_with_zones("s1")).has_value());
  ASSERT_TRUE(reg->add_zone(domain::Zone{"table-3", "s1", domain::ZoneKind::kTable, "Table 3"}).has_value());
  ASSERT_TRUE(reg->register_beacon(beacon("s1", "table-3", 3)).has_value());

  const domain::FloorPlanPtr plan = reg->current();
  ASSERT_NE(plan->find_store("s1"), nullptr);
  EXPECT_EQ(plan->find_store("s1")->name, "Store s1");
  EXPECT_EQ(plan->find_store("s1")->zones.size(), 4u);
  const domain::Zone* entrance = plan->find_zone("s1", "entrance");
  ASSERT_NE(entrance, nullptr);
  EXPECT_EQ(entrance->kind, domain::ZoneKind::kEntrance);
  const domain::Beacon* b = plan->find_beacon(domain::BeaconKey{kUuid, 1, 3});
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->zone_id, "table-3");
  EXPECT_EQ(b->tx_power_1m, -60);
  EXPECT_DOUBLE_EQ(b->calibration_offset_db, 1.5);

  // Retired: gone from the snapshot, and the key may be registered again.
  ASSERT_TRUE(reg->retire_beacon(b->key).has_value());
  EXPECT_EQ(reg->current()->find_beacon(domain::BeaconKey{kUuid, 1, 3}), nullptr);
  ASSERT_TRUE(reg->register_beacon(beacon("s1", "table-1", 3)).has_value());
  EXPECT_EQ(reg->current()->find_beacon(domain::BeaconKey{kUuid, 1, 3})->zone_id, "table-1");
  EXPECT_EQ(rows("beacons"), 2);

  // A registry created later (a restarted instance) loads the same plan.
  auto restarted = registry();
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(restarted->current()->beacons().size(), 1u);
  EXPECT_EQ(restarted->current()->find_store("s1")->zones.size(), 4u);
}

TEST_F(PostgresTest, RegistryRejectsBadInputWithoutPartialWrites) {
  auto reg = registry();
  ASSERT_NE(reg, nullptr);
  ASSERT_TRUE(reg->create_store(store_with_zones("s1")).has_value());
  ASSERT_TRUE(reg->create_store(store_with_zones("s2")).has_value());
  ASSERT_TRUE(reg->add_zone(domain::Zone{"s2-only", "s2", domain::ZoneKind::kTable, ""}).has_value());
  ASSERT_TRUE(reg->register_beacon(beacon("s1", "table-1", 1)).has_value());
  const long long stores = rows("stores"), zones = rows("zones"), beacons = rows("beacons");

  auto expect_error = [](const domain::Result<void>& result, ErrorCode code, const char* what) {
    ASSERT_FALSE(result.has_value()) << what;
    EXPECT_EQ(result.error().code, code) << what << ": " << result.error().message;
    EXPECT_FALSE(result.error().message.empty()) << what;
  };
  expect_error(reg->create_store(store_with_zones("s1")), ErrorCode::kAlreadyExists, "duplicate store");
  expect_error(reg->add_zone(domain::Zone{"table-1", "s1", domain::ZoneKind::kTable, ""}), ErrorCode::kAlreadyExists,
               "duplicate zone");
  expect_error(reg->add_zone(domain::Zone{"t9", "nope", domain::ZoneKind::kTable, ""}), ErrorCode::kNotFound,
               "zone of unknown store");
  expect_error(reg->register_beacon(beacon("s1", "table-2", 1)), ErrorCode::kAlreadyExists, "duplicate beacon");
  expect_error(reg->register_beacon(beacon("nope", "table-1", 7)), ErrorCode::kNotFound, "unknown store");
  expect_error(reg->register_beacon(beacon("s1", "s2-only", 7)), ErrorCode::kNotFound, "zone of another store");
  expect_error(reg->register_beacon(beacon("s1", "no-zone", 7)), ErrorCode::kNotFound, "unknown zone");
  expect_error(reg->retire_beacon(domain::BeaconKey{kUuid, 9, 9}), ErrorCode::kNotFound, "retire unknown");
  domain::Beacon loud = beacon("s1", "table-1", 8);
  loud.tx_power_1m = 500;
  expect_error(reg->register_beacon(loud), ErrorCode::kInvalidArgument, "tx power");
  expect_error(reg->create_store(domain::Store{std::string(129, 'x'), "", {}}), ErrorCode::kInvalidArgument,
               "oversized id");
  expect_error(reg->create_store(domain::Store{"", "", {}}), ErrorCode::kInvalidArgument, "empty id");
  expect_error(reg->create_store(domain::Store{"nul", std::string("a\0b", 3), {}}), ErrorCode::kInvalidArgument,
               "NUL in name");
  expect_error(reg->create_store(domain::Store{"bad-utf8", "\xff\xfe", {}}), ErrorCode::kInvalidArgument,
               "invalid UTF-8");
  // The store row would insert, its second zone would not: all or nothing.
  domain::Store half = store_with_zones("s3");
  half.zones.push_back(domain::Zone{"entrance", "s3", domain::ZoneKind::kEntrance, ""});
  expect_error(reg->create_store(half), ErrorCode::kAlreadyExists, "zone listed twice");
  domain::Store oversized_zone = store_with_zones("s4");
  oversized_zone.zones.back().label = std::string(1000, 'L');
  expect_error(reg->create_store(oversized_zone), ErrorCode::kInvalidArgument, "oversized label");

  EXPECT_EQ(rows("stores"), stores);
  EXPECT_EQ(rows("zones"), zones);
  EXPECT_EQ(rows("beacons"), beacons);
  EXPECT_EQ(reg->current()->stores().size(), 2u);
  EXPECT_EQ(reg->current()->beacons().size(), 1u);
}

TEST_F(PostgresTest, SqlMetacharactersAreStoredVerbatim) {
  auto reg = registry();
  ASSERT_NE(reg, nullptr);
  const domain::Store store{kNasty, kNasty + " name", {domain::Zone{kNasty, kNasty, domain::ZoneKind::kTable, kNasty}}};
  ASSERT_TRUE(reg->create_store(store).has_value());
  ASSERT_TRUE(
      reg->add_zone(domain::Zone{"z\"; DELETE FROM zones; --", kNasty, domain::ZoneKind::kEntrance, "$1 $$ \\ ' \" ;"})
          .has_value());
  ASSERT_TRUE(reg->register_beacon(beacon(kNasty, kNasty, 1)).has_value());
  const domain::Zone* zone = reg->current()->find_zone(kNasty, kNasty);
  ASSERT_NE(zone, nullptr);
  EXPECT_EQ(zone->label, kNasty);
  EXPECT_EQ(reg->current()->find_store(kNasty)->name, kNasty + " name");
  EXPECT_EQ(reg->current()->find_zone(kNasty, "z\"; DELETE FROM zones; --")->label, "$1 $$ \\ ' \" ;");
  EXPECT_EQ(reg->current()->find_beacon(domain::BeaconKey{kUuid, 1, 1})->store_id, kNasty);

  PostgresVisitLedger ledger(*pool_);
  const domain::Presence p = presence(kNasty, kNasty, kNasty, domain::ZoneKind::kTable, 0, 0);
  ASSERT_TRUE(
      ledger.record(kNasty, std::nullopt, p, {event(domain::EventType::kCustomerSeated, p, kNasty)}, std::nullopt)
          .has_value());
  auto current = ledger.current(kNasty);
  ASSERT_TRUE(current.has_value() && current->has_value());
  EXPECT_EQ((*current)->visit_id, kNasty);
  EXPECT_EQ((*current)->zone_id, kNasty);
  auto present = ledger.in_store(kNasty);
  ASSERT_TRUE(present.has_value());
  ASSERT_EQ(present->size(), 1u);
  EXPECT_EQ(present->front().customer_id, kNasty);

  PiiKeyRing keys{{{"k1", util::AesGcmKey{}}}, "k1"};
  auto directory = PostgresCustomerDirectory::create(*pool_, keys);
  ASSERT_TRUE(directory.has_value());
  const domain::Customer customer{kNasty, kNasty, kNasty, kNasty + "@x"};
  ASSERT_TRUE((*directory)->add(customer).has_value());
  auto found = (*directory)->find(kNasty);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->display_name, kNasty);
  EXPECT_EQ((*found)->phone, kNasty);
  EXPECT_EQ((*found)->email, kNasty + "@x");

  EXPECT_EQ(rows("stores"), 1);  // still there
  EXPECT_EQ(rows("zones"), 2);
}

TEST_F(PostgresTest, NotifyRefreshesAnotherInstance) {
  auto writer = registry();
  // The second instance has its own pool, as a separate process would.
  PgPool other_pool(pool_options(url_, 2));
  auto created = PostgresRegistry::create(other_pool);
  ASSERT_TRUE(writer && created.has_value());
  auto& reader = **created;

  ASSERT_TRUE(writer->create_store(store_with_zones("s1")).has_value());
  ASSERT_TRUE(writer->register_beacon(beacon("s1", "table-2", 42)).has_value());
  const domain::BeaconKey key{kUuid, 1, 42};
  EXPECT_TRUE(wait_until([&] { return reader.current()->find_beacon(key) != nullptr; }))
      << "the other instance did not see the new beacon";
  ASSERT_TRUE(writer->retire_beacon(key).has_value());
  EXPECT_TRUE(wait_until([&] { return reader.current()->find_beacon(key) == nullptr; }))
      << "the other instance did not see the retirement";
}

// Seven stores with a beacon each, read in chunks of two: four chunks.
void seed_seven_stores(PgPool& pool) {
  auto writer = PostgresRegistry::create(pool);
  ASSERT_TRUE(writer.has_value()) << writer.error().message;
  for (std::uint16_t i = 1; i <= 7; ++i) {
    const std::string id = "s" + std::to_string(i);
    ASSERT_TRUE((*writer)->create_store(store_with_zones(id)).has_value());
    ASSERT_TRUE((*writer)->register_beacon(beacon(id, i % 2 == 0 ? "table-2" : "table-1", i)).has_value());
  }
}

void expect_seven_stores(const domain::FloorPlan& plan) {
  EXPECT_EQ(plan.store_count(), 7u);
  EXPECT_EQ(plan.beacon_count(), 7u);
  for (std::uint16_t i = 1; i <= 7; ++i) {
    const std::string id = "s" + std::to_string(i);
    const domain::Store* store = plan.find_store(id);
    ASSERT_NE(store, nullptr) << id;
    EXPECT_EQ(store->name, "Store " + id);
    EXPECT_EQ(store->zones.size(), 3u) << id;
    const domain::Beacon* found = plan.find_beacon(domain::BeaconKey{kUuid, 1, i});
    ASSERT_NE(found, nullptr) << id;
    EXPECT_EQ(found->store_id, id);
    EXPECT_EQ(found->zone_id, i % 2 == 0 ? "table-2" : "table-1");
  }
}

TEST_F(PostgresTest, AColdLoadOverSeveralConnectionsReadsEveryStoreOnce) {
  seed_seven_stores(*pool_);
  RegistryOptions options;
  options.load_chunk_stores = 2;
  options.load_connections = 3;  // the pool has 4
  auto shared = PostgresRegistry::create(*pool_, options);
  ASSERT_TRUE(shared.has_value()) << shared.error().message;
  expect_seven_stores(*(*shared)->current());
  EXPECT_EQ((*shared)->stores_read(), 7u);
  // And a refresh after it reads nothing: the versions came from the same snapshot.
  auto again = (*shared)->reload();
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*again, 0u);
}

TEST_F(PostgresTest, AColdLoadWhoseHelpersGetNoConnectionReadsEverythingItself) {
  seed_seven_stores(*pool_);
  PgPoolOptions single = pool_options(url_, 1);
  single.acquire_timeout =
      std::chrono::milliseconds(100);  // the helpers give up quickly: the load holds the only connection
  PgPool pool(single);
  RegistryOptions options;
  options.load_chunk_stores = 2;
  options.load_connections = 3;
  auto alone = PostgresRegistry::create(pool, options);
  ASSERT_TRUE(alone.has_value()) << alone.error().message;
  expect_seven_stores(*(*alone)->current());
}

TEST_F(PostgresTest, RefreshReadsOnlyTheStoresWhoseRowsChanged) {
  // Small chunks, so three stores already take two queries each.
  RegistryOptions options;
  options.load_chunk_stores = 2;
  auto created = PostgresRegistry::create(*pool_, options);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  PostgresRegistry& reg = **created;
  for (const char* id : {"s1", "s2", "s3"}) ASSERT_TRUE(reg.create_store(store_with_zones(id)).has_value());
  ASSERT_TRUE(reg.register_beacon(beacon("s1", "table-1", 1)).has_value());
  ASSERT_TRUE(reg.register_beacon(beacon("s3", "table-1", 3)).has_value());
  const domain::BeaconKey moved{kUuid, 1, 1};
  ASSERT_NE(reg.current()->find_beacon(moved), nullptr);

  // Plain SQL, as another writer would (no NOTIFY): the versions tell.
  const auto sql = [this](const std::string& statement) {
    auto done = pool_->run([&](pqxx::connection& connection) -> domain::Result<void> {
      pqxx::work tx(connection);
      tx.exec(statement);
      tx.commit();
      return {};
    });
    ASSERT_TRUE(done.has_value()) << statement << ": " << done.error().message;
  };
  // Runs `statement`, refreshes, and says how many stores were read since:
  // by this refresh, or by the listener's if it came first (they take
  // turns, so together they read each change once).
  const auto change_and_reload = [&](const std::string& statement) -> std::size_t {
    const std::size_t before = reg.stores_read();
    if (!statement.empty()) sql(statement);
    auto read = reg.reload();
    EXPECT_TRUE(read.has_value()) << read.error().message;
    return reg.stores_read() - before;
  };

  const domain::FloorPlanPtr quiet = reg.current();
  EXPECT_EQ(change_and_reload(""), 0u);
  EXPECT_EQ(reg.current(), quiet) << "nothing changed: the same snapshot";

  // Changed: one store read; the others are the very same blocks.
  const domain::Store* s2 = reg.current()->find_store("s2");
  const domain::Store* s3 = reg.current()->find_store("s3");
  EXPECT_EQ(change_and_reload("UPDATE stores SET name = 'Renamed' WHERE store_id = 's1'"), 1u);
  EXPECT_EQ(reg.current()->find_store("s1")->name, "Renamed");
  EXPECT_EQ(reg.current()->find_store("s2"), s2);
  EXPECT_EQ(reg.current()->find_store("s3"), s3);

  // A beacon re-hung in another store: both stores read, found in its new one.
  EXPECT_EQ(change_and_reload("UPDATE beacons SET store_id = 's2', zone_id = 'entrance' WHERE minor = 1"), 2u);
  ASSERT_NE(reg.current()->find_beacon(moved), nullptr);
  EXPECT_EQ(reg.current()->find_beacon(moved)->store_id, "s2");
  EXPECT_TRUE(reg.current()->store_beacons("s1").empty());
  EXPECT_EQ(reg.current()->find_store("s3"), s3);

  // Added: a store with a zone and a beacon, in one transaction.
  EXPECT_EQ(change_and_reload("INSERT INTO stores (store_id, name) VALUES ('s4', 'Store s4');"
                              "INSERT INTO zones (store_id, zone_id, kind) VALUES ('s4', 'bar', 'table');"
                              "INSERT INTO beacons (uuid, major, minor, store_id, zone_id, tx_power) VALUES ('" +
                              kUuid.to_string() + "', 1, 4, 's4', 'bar', -59)"),
            1u);
  ASSERT_NE(reg.current()->find_zone("s4", "bar"), nullptr);
  EXPECT_EQ(reg.current()->find_beacon(domain::BeaconKey{kUuid, 1, 4})->store_id, "s4");

  // Calibration is part of a store.
  EXPECT_EQ(change_and_reload(
                "INSERT INTO fingerprint_readings (store_id, sample_no, zone_id, uuid, major, minor, rssi) VALUES "
                "('s4', 0, 'bar', '" +
                kUuid.to_string() + "', 1, 4, -60)"),
            1u);
  ASSERT_NE(reg.current()->store_fingerprints("s4"), nullptr);
  EXPECT_EQ(reg.current()->find_store("s3"), s3);

  // Removed: nothing to read, gone with its beacon.
  EXPECT_EQ(change_and_reload("DELETE FROM beacons WHERE store_id = 's3'; DELETE FROM zones WHERE store_id = 's3';"
                              "DELETE FROM stores WHERE store_id = 's3'"),
            0u);
  EXPECT_EQ(reg.current()->find_store("s3"), nullptr);
  EXPECT_EQ(reg.current()->find_beacon(domain::BeaconKey{kUuid, 1, 3}), nullptr);
  EXPECT_EQ(reg.current()->store_count(), 3u);

  // Ids travel as one text[] literal: quotes, backslashes, commas and braces
  // stay inside their element.
  const std::string odd = "a\"b\\c,{d} e";
  ASSERT_TRUE(reg.create_store(store_with_zones(odd)).has_value());
  EXPECT_EQ(change_and_reload(
                "UPDATE stores SET name = 'Odd' WHERE store_id = " +
                pool_->run([&](pqxx::connection& c) { return domain::Result<std::string>(c.quote(odd)); }).value()),
            1u);
  ASSERT_NE(reg.current()->find_store(odd), nullptr);
  EXPECT_EQ(reg.current()->find_store(odd)->name, "Odd");

  // A registry started now loads the same plan in one go.
  auto restarted = registry();
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(restarted->current()->store_count(), 4u);
  EXPECT_EQ(restarted->current()->beacon_count(), 2u);
  EXPECT_EQ(restarted->current()->find_store("s1")->name, "Renamed");
  ASSERT_NE(restarted->current()->find_store(odd), nullptr);
}

TEST_F(PostgresTest, SeedingIsIdempotent) {
  auto reg = registry();
  ASSERT_NE(reg, nullptr);
  auto plan = domain::FloorPlan::build({store_with_zones("demo")},
                                       {beacon("demo", "table-1", 1), beacon("demo", "entrance", 2)});
  ASSERT_TRUE(plan.has_value());
  ASSERT_TRUE(reg->seed_from(*plan).has_value());
  ASSERT_TRUE(reg->seed_from(*plan).has_value());
  EXPECT_EQ(rows("stores"), 1);
  EXPECT_EQ(rows("zones"), 3);
  EXPECT_EQ(rows("beacons"), 2);
  EXPECT_EQ(reg->current()->beacons().size(), 2u);
}

TEST_F(PostgresTest, ZonePositionsAreKeptAndAFloorPlanFileReplacesOnlyWhatItGives) {
  auto reg = registry();
  ASSERT_NE(reg, nullptr);
  domain::Store store = store_with_zones("placed");
  store.zones[1].position = domain::FloorPosition{2.5, 1.0};
  ASSERT_TRUE(reg->create_store(store).has_value());
  domain::Zone added{"table-3", "placed", domain::ZoneKind::kTable, "Table 3"};
  added.position = domain::FloorPosition{4.5, 1.0};
  ASSERT_TRUE(reg->add_zone(added).has_value());

  const auto position_of = [](const domain::FloorPlan& plan, const char* zone) {
    const domain::Zone* found = plan.find_zone("placed", zone);
    return found != nullptr ? found->position : std::nullopt;
  };
  auto restarted = registry();
  ASSERT_NE(restarted, nullptr);
  ASSERT_TRUE(position_of(*restarted->current(), "table-1"));
  EXPECT_DOUBLE_EQ(position_of(*restarted->current(), "table-1")->x_m, 2.5);
  EXPECT_DOUBLE_EQ(position_of(*restarted->current(), "table-3")->x_m, 4.5);
  EXPECT_FALSE(position_of(*restarted->current(), "table-2"));

  // A floor-plan file that places table-2 and moves table-1 but says nothing
  // of table-3's position: table-3 keeps the one it had.
  domain::Store file = store_with_zones("placed");
  file.zones[1].position = domain::FloorPosition{3.0, 1.5};
  file.zones[2].position = domain::FloorPosition{6.0, 1.0};
  file.zones.push_back(domain::Zone{"table-3", "placed", domain::ZoneKind::kTable, "Table 3"});
  auto plan = domain::FloorPlan::build({file}, {});
  ASSERT_TRUE(plan.has_value());
  ASSERT_TRUE(reg->seed_from(*plan).has_value());
  const domain::FloorPlanPtr seeded = reg->current();
  EXPECT_DOUBLE_EQ(position_of(*seeded, "table-1")->y_m, 1.5);
  ASSERT_TRUE(position_of(*seeded, "table-2"));
  EXPECT_DOUBLE_EQ(position_of(*seeded, "table-2")->x_m, 6.0);
  ASSERT_TRUE(position_of(*seeded, "table-3"));
  EXPECT_DOUBLE_EQ(position_of(*seeded, "table-3")->x_m, 4.5);
  EXPECT_FALSE(position_of(*seeded, "entrance"));

  // UpdateZone: what it gives replaces, the rest stays, and the snapshot
  // sees it at once (this instance) as a restart does.
  ASSERT_TRUE(reg->update_zone({"placed", "entrance", std::nullopt, std::nullopt, domain::FloorPosition{0.5, 0.5}})
                  .has_value());
  ASSERT_TRUE(reg->update_zone({"placed", "table-3", "Window", std::nullopt, std::nullopt}).has_value());
  for (const domain::FloorPlanPtr& now : {reg->current(), registry()->current()}) {
    ASSERT_TRUE(position_of(*now, "entrance"));
    EXPECT_DOUBLE_EQ(position_of(*now, "entrance")->y_m, 0.5);
    EXPECT_EQ(now->find_zone("placed", "entrance")->label, store.zones[0].label);
    EXPECT_EQ(now->find_zone("placed", "table-3")->label, "Window");
    ASSERT_TRUE(position_of(*now, "table-3"));
    EXPECT_DOUBLE_EQ(position_of(*now, "table-3")->x_m, 4.5);
  }
  const auto unknown_zone = reg->update_zone({"placed", "table-9", "Nine", std::nullopt, std::nullopt});
  ASSERT_FALSE(unknown_zone);
  EXPECT_EQ(unknown_zone.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown_zone.error().field, "zone_id");
  const auto unknown_store = reg->update_zone({"nowhere", "table-3", "Three", std::nullopt, std::nullopt});
  ASSERT_FALSE(unknown_store);
  EXPECT_EQ(unknown_store.error().field, "store_id");

  // Half a position cannot be stored, whoever writes.
  const auto half = pool_->run([](pqxx::connection& c) -> domain::Result<void> {
    pqxx::work tx(c);
    tx.exec("UPDATE zones SET position_y = NULL WHERE store_id = 'placed' AND zone_id = 'table-1'");
    tx.commit();
    return {};
  });
  EXPECT_FALSE(half.has_value()) << "the zones_position_whole check let half a position in";
}

TEST_F(PostgresTest, LedgerKeepsVisitsAndZoneStays) {
  PostgresVisitLedger ledger(*pool_);
  const std::string customer = "cust-" + random_suffix();
  const auto entrance = presence("v1", "s1", "entrance", domain::ZoneKind::kEntrance, 0, 0);
  const auto table1 = presence("v1", "s1", "table-1", domain::ZoneKind::kTable, 0, 10);
  const auto table2 = presence("v1", "s1", "table-2", domain::ZoneKind::kTable, 0, 20);

  auto none = ledger.current(customer);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(ledger
                  .record(customer, std::nullopt, entrance,
                          {event(domain::EventType::kCustomerIdentified, entrance, customer),
                           event(domain::EventType::kCustomerEnteredStore, entrance, customer)},
                          std::nullopt)
                  .has_value());
  ASSERT_TRUE(ledger
                  .record(customer, entrance, table1, {event(domain::EventType::kCustomerSeated, table1, customer)},
                          std::nullopt)
                  .has_value());
  ASSERT_TRUE(ledger
                  .record(customer, table1, table2, {event(domain::EventType::kCustomerChangedTable, table2, customer)},
                          std::nullopt)
                  .has_value());

  auto current = ledger.current(customer);
  ASSERT_TRUE(current.has_value() && current->has_value());
  EXPECT_EQ((*current)->zone_id, "table-2");
  EXPECT_EQ((*current)->zone_kind, domain::ZoneKind::kTable);
  EXPECT_EQ((*current)->visit_started_at, at_seconds(0));
  EXPECT_EQ((*current)->zone_since, at_seconds(20));
  auto present = ledger.in_store("s1");
  ASSERT_TRUE(present.has_value());
  ASSERT_EQ(present->size(), 1u);
  EXPECT_EQ(present->front().presence.zone_id, "table-2");
  EXPECT_EQ(count(url_, "SELECT count(*) FROM visits WHERE seated_at IS NOT NULL"), 1);

  // Another store: the first visit ends when the second starts.
  const auto elsewhere = presence("v2", "s2", "entrance", domain::ZoneKind::kEntrance, 100, 100);
  ASSERT_TRUE(ledger.record(customer, table2, elsewhere, {}, std::nullopt).has_value());
  present = ledger.in_store("s1");
  ASSERT_TRUE(present.has_value());
  EXPECT_TRUE(present->empty());
  ASSERT_TRUE(ledger.record(customer, elsewhere, std::nullopt, {}, std::nullopt).has_value());  // left (silence)

  auto history = ledger.visits(customer, 10);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].visit_id, "v2");            // newest first
  EXPECT_EQ((*history)[0].left_at, at_seconds(100));  // last seen
  const domain::Visit& first = (*history)[1];
  EXPECT_EQ(first.store_id, "s1");
  EXPECT_EQ(first.entered_at, at_seconds(0));
  EXPECT_EQ(first.left_at, at_seconds(100));
  ASSERT_EQ(first.zones.size(), 3u);
  EXPECT_EQ(first.zones[0].zone_id, "entrance");
  EXPECT_EQ(first.zones[1].zone_id, "table-1");
  EXPECT_EQ(first.zones[2].zone_id, "table-2");
  EXPECT_EQ(first.zones[2].since, at_seconds(20));
  auto newest = ledger.visits(customer, 1);
  ASSERT_TRUE(newest.has_value());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ(newest->front().visit_id, "v2");

  current = ledger.current(customer);
  ASSERT_TRUE(current.has_value());
  EXPECT_FALSE(current->has_value());
  EXPECT_EQ(rows("outbox"), 4);
  EXPECT_EQ(count(url_,
                  "SELECT count(*) FROM outbox WHERE event_type = 'CustomerChangedTable' "
                  "AND position('table-2'::bytea in payload) > 0"),
            1);
}

// A visit's writes are one statement (TransitionWrites), whose clauses run in
// no set order; closing an open visit and opening the next at the same store
// must still see the first closed before the second opens (one open visit
// per customer and store), and the outbox keeps the events' order.
TEST_F(PostgresTest, LedgerClosesTheOpenVisitBeforeOpeningTheNextAtTheSameStore) {
  PostgresVisitLedger ledger(*pool_);
  const std::string customer = "cust-" + random_suffix();
  const auto seated = presence("v1", "s1", "table-1", domain::ZoneKind::kTable, 0, 0);
  ASSERT_TRUE(ledger
                  .record(customer, std::nullopt, seated,
                          {event(domain::EventType::kCustomerIdentified, seated, customer),
                           event(domain::EventType::kCustomerEnteredStore, seated, customer),
                           event(domain::EventType::kCustomerSeated, seated, customer)},
                          std::nullopt)
                  .has_value());
  // Back after a long silence the leave sweep has not closed yet: a new visit.
  const auto back = presence("v3", "s1", "entrance", domain::ZoneKind::kEntrance, 4000, 4000);
  std::vector<domain::DomainEvent> events{event(domain::EventType::kCustomerLeftStore, back, customer),
                                          event(domain::EventType::kCustomerEnteredStore, back, customer)};
  events[0].visit_id = "v1";
  ASSERT_TRUE(ledger.record(customer, seated, back, events, std::nullopt).has_value());

  auto history = ledger.visits(customer, 10);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].visit_id, "v3");
  EXPECT_FALSE((*history)[0].left_at.has_value());
  EXPECT_EQ((*history)[1].visit_id, "v1");
  EXPECT_EQ((*history)[1].left_at, at_seconds(4000));  // when the next visit began
  EXPECT_EQ(count(url_,
                  "SELECT count(*) FROM zone_transitions WHERE visit_id = 'v1' AND to_zone_id IS NULL "
                  "AND at = timestamptz 'epoch' + interval '1700004000 seconds'"),
            1);
  EXPECT_EQ(count(url_,
                  "SELECT count(*) FROM zone_transitions WHERE visit_id = 'v3' AND from_zone_id IS NULL "
                  "AND to_zone_id = 'entrance'"),
            1);
  // The outbox in the events' order, one row each.
  std::vector<std::string> types;
  {
    pqxx::connection connection(url_);
    pqxx::nontransaction tx(connection);
    for (const auto& row : tx.exec("SELECT event_type FROM outbox ORDER BY seq")) types.push_back(row[0].c_str());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"CustomerIdentified", "CustomerEnteredStore", "CustomerSeated",
                                             "CustomerLeftStore", "CustomerEnteredStore"}));
}

TEST_F(PostgresTest, LedgerLetsExactlyOneOfTwoRacingTransitionsWin) {
  PostgresVisitLedger ledger(*pool_);
  for (const bool starting : {true, false}) {
    const std::string customer = "race-" + random_suffix();
    const auto entrance = presence("v-" + customer, "s1", "entrance", domain::ZoneKind::kEntrance, 0, 0);
    std::optional<domain::Presence> before;
    if (!starting) {
      ASSERT_TRUE(ledger.record(customer, std::nullopt, entrance, {}, std::nullopt).has_value());
      before = entrance;
    }
    const long long outbox_before = rows("outbox");
    std::latch go(2);
    std::vector<domain::Result<void>> results(2);
    std::vector<std::thread> instances;
    for (int i = 0; i < 2; ++i) {
      instances.emplace_back([&, i] {
        // Each "instance" computes its own transition from the same `before`.
        const auto after =
            starting ? presence("v" + std::to_string(i) + customer, "s1", "entrance", domain::ZoneKind::kEntrance, 1, 1)
                     : presence(entrance.visit_id, "s1", "table-" + std::to_string(i), domain::ZoneKind::kTable, 0, 5);
        std::vector<domain::DomainEvent> events = {event(domain::EventType::kCustomerSeated, after, customer),
                                                   event(domain::EventType::kCustomerIdentified, after, customer)};
        go.arrive_and_wait();
        results[static_cast<std::size_t>(i)] = ledger.record(customer, before, after, events, std::nullopt);
      });
    }
    for (auto& instance : instances) instance.join();
    int won = 0;
    for (const auto& result : results) {
      if (result) {
        ++won;
      } else {
        EXPECT_EQ(result.error().code, ErrorCode::kAborted) << result.error().message;
      }
    }
    EXPECT_EQ(won, 1) << (starting ? "starting a visit" : "moving within a visit");
    EXPECT_EQ(rows("outbox") - outbox_before, 2);  // the winner's events only
    EXPECT_EQ(count(url_, "SELECT count(*) FROM visits WHERE left_at IS NULL AND customer_id = '" + customer + "'"), 1);
  }
}

TEST_F(PostgresTest, LedgerRefusesAStaleBeforeWritingNothing) {
  PostgresVisitLedger ledger(*pool_);
  const auto entrance = presence("v1", "s1", "entrance", domain::ZoneKind::kEntrance, 0, 0);
  const auto table = presence("v1", "s1", "table-1", domain::ZoneKind::kTable, 0, 5);
  ASSERT_TRUE(ledger.record("c1", std::nullopt, entrance, {}, std::nullopt).has_value());
  const long long transitions = rows("zone_transitions");

  auto stale =
      ledger.record("c1", std::nullopt, table, {event(domain::EventType::kCustomerSeated, table, "c1")}, std::nullopt);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::kAborted);
  auto wrong_zone =
      ledger.record("c1", table, entrance, {event(domain::EventType::kCustomerSeated, table, "c1")}, std::nullopt);
  ASSERT_FALSE(wrong_zone.has_value());
  EXPECT_EQ(wrong_zone.error().code, ErrorCode::kAborted);
  // An event the outbox cannot take (not a UUID) rolls the transition back.
  domain::DomainEvent broken = event(domain::EventType::kCustomerSeated, table, "c1");
  broken.event_id = "not-a-uuid";
  auto rolled_back = ledger.record("c1", entrance, table, {broken}, std::nullopt);
  ASSERT_FALSE(rolled_back.has_value());
  EXPECT_EQ(rolled_back.error().code, ErrorCode::kInvalidArgument) << rolled_back.error().message;

  EXPECT_EQ(rows("outbox"), 0);
  EXPECT_EQ(rows("zone_transitions"), transitions);
  EXPECT_EQ((*ledger.current("c1"))->zone_id, "entrance");
}

TEST_F(PostgresTest, LedgerKeepsARequestsAnswerWithItsTransitionAndRecordsTheRequestOnce) {
  PostgresVisitLedger ledger(*pool_);
  const auto entrance = presence("v1", "s1", "entrance", domain::ZoneKind::kEntrance, 0, 0);
  const auto table = presence("v1", "s1", "table-1", domain::ZoneKind::kTable, 0, 5);
  application::RememberedReply reply;
  reply.request_fingerprint = "digest-1";
  reply.response.customer_id = "c1";
  reply.response.location.store_id = "s1";
  reply.response.location.zone_id = "entrance";
  reply.response.location_changed = true;
  reply.response.event_ids = {"e-1", "e-2"};
  const application::LedgerAnswer answer{"c1\nr1", reply, std::nullopt};

  const domain::Timestamp day_ago = domain::Clock::now() - std::chrono::hours(24);
  auto before = ledger.recall("c1", day_ago);
  ASSERT_TRUE(before.has_value()) << before.error().message;
  EXPECT_FALSE(before->presence);
  EXPECT_TRUE(before->answers.empty());

  ASSERT_TRUE(ledger.record("c1", std::nullopt, entrance, {}, answer).has_value());
  auto after = ledger.recall("c1", day_ago).value();
  ASSERT_TRUE(after.presence);
  EXPECT_EQ(after.presence->zone_id, "entrance");
  ASSERT_EQ(after.answers.size(), 1u);
  EXPECT_EQ(after.answers[0].idempotency_key, "c1\nr1");
  EXPECT_EQ(after.answers[0].reply.request_fingerprint, "digest-1");
  EXPECT_EQ(after.answers[0].reply.response.event_ids, reply.response.event_ids);
  EXPECT_TRUE(after.answers[0].reply.response.location_changed);
  // Another customer sees nothing of it; answers older than asked are left out.
  EXPECT_TRUE(ledger.recall("c2", day_ago)->answers.empty());
  EXPECT_TRUE(ledger.recall("c1", domain::Clock::now() + std::chrono::hours(1))->answers.empty());

  // The same request again (another instance): refused, nothing written.
  const long long transitions = rows("zone_transitions");
  auto again = ledger.record("c1", entrance, table, {event(domain::EventType::kCustomerSeated, table, "c1")}, answer);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(rows("zone_transitions"), transitions);
  EXPECT_EQ(rows("outbox"), 0);
  EXPECT_EQ((*ledger.current("c1"))->zone_id, "entrance");

  // A transition refused for a stale `before` keeps no answer either.
  const application::LedgerAnswer other{"c1\nr2", reply, std::nullopt};
  ASSERT_EQ(ledger.record("c1", std::nullopt, table, {}, other).error().code, ErrorCode::kAborted);
  EXPECT_EQ(ledger.recall("c1", day_ago)->answers.size(), 1u);

  // A caller whose deadline has passed is not recorded for.
  const application::LedgerAnswer too_late{"c1\nr3", reply, domain::Clock::now() - std::chrono::milliseconds(1)};
  auto late = ledger.record("c1", entrance, table, {}, too_late);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ((*ledger.current("c1"))->zone_id, "entrance");
  EXPECT_EQ(rows("zone_transitions"), transitions);

  // Answers age out.
  EXPECT_EQ(ledger.forget_answers(domain::Clock::now() - std::chrono::hours(1)).value(), 0u);
  EXPECT_EQ(ledger.forget_answers(domain::Clock::now() + std::chrono::seconds(1)).value(), 1u);
  EXPECT_TRUE(ledger.recall("c1", day_ago)->answers.empty());
}

TEST_F(PostgresTest, LedgerListsIdleOpenVisitsAndTouchVouchesForTheOpenPlaceOnly) {
  PostgresVisitLedger ledger(*pool_);
  ASSERT_TRUE(ledger.record("old", std::nullopt, presence("v-old", "s1", "entrance", domain::ZoneKind::kEntrance, 0, 0),
                            {}, std::nullopt));
  ASSERT_TRUE(ledger.record("new", std::nullopt,
                            presence("v-new", "s1", "entrance", domain::ZoneKind::kEntrance, 100, 100), {},
                            std::nullopt));
  auto idle = ledger.idle_visits(at_seconds(50), 10).value();
  ASSERT_EQ(idle.size(), 1u);
  EXPECT_EQ(idle[0].customer_id, "old");
  EXPECT_EQ(idle[0].visit_id, "v-old");
  EXPECT_EQ(idle[0].last_seen, at_seconds(0));
  EXPECT_EQ(ledger.idle_visits(at_seconds(200), 10)->size(), 2u);
  EXPECT_EQ(ledger.idle_visits(at_seconds(200), 1)->front().customer_id, "old");  // oldest first

  const domain::Presence old = presence("v-old", "s1", "entrance", domain::ZoneKind::kEntrance, 0, 60);
  EXPECT_EQ(ledger.touch("old", old), true);
  EXPECT_TRUE(ledger.idle_visits(at_seconds(50), 10)->empty());
  domain::Presence earlier = old;
  earlier.last_seen = at_seconds(10);
  EXPECT_EQ(ledger.touch("old", earlier), true);  // still there, but never back
  EXPECT_EQ((*ledger.current("old"))->last_seen, at_seconds(60));
  domain::Presence other_visit = old;
  other_visit.visit_id = "v-other";
  other_visit.last_seen = at_seconds(500);
  EXPECT_EQ(ledger.touch("old", other_visit), false);
  domain::Presence other_zone = old;
  other_zone.zone_id = "table-1";
  other_zone.last_seen = at_seconds(500);
  EXPECT_EQ(ledger.touch("old", other_zone), false);
  EXPECT_EQ((*ledger.current("old"))->last_seen, at_seconds(60));
  // A leave decided before the last touch is stale: it fails, nothing closed.
  domain::Presence decided_on = old;
  decided_on.last_seen = at_seconds(0);
  EXPECT_EQ(ledger.record("old", decided_on, std::nullopt, {}, std::nullopt).error().code, ErrorCode::kAborted);
  EXPECT_TRUE(ledger.current("old")->has_value());
  // A closed visit is no candidate.
  ASSERT_TRUE(ledger.record("old", *ledger.current("old").value(), std::nullopt, {}, std::nullopt));
  EXPECT_EQ(ledger.idle_visits(at_seconds(200), 10)->size(), 1u);
}

TEST_F(PostgresTest, CustomersAreEncryptedAtRestAndKeysRotate) {
  util::AesGcmKey k1{};
  k1.fill(1);
  util::AesGcmKey k2{};
  k2.fill(2);
  auto first = PostgresCustomerDirectory::create(*pool_, PiiKeyRing{{{"k1", k1}}, "k1"});
  ASSERT_TRUE(first.has_value());
  const domain::Customer ada{"c-ada", "Ada Lovelace", "+44 20 7946 0001", "ada@example.com"};
  ASSERT_TRUE((*first)->add(ada).has_value());

  auto duplicate = (*first)->add(ada);
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  auto oversized = (*first)->add(domain::Customer{"c-big", std::string(201, 'n'), "", ""});
  ASSERT_FALSE(oversized.has_value());
  EXPECT_EQ(oversized.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(oversized.error().field, "display_name");
  auto unknown = (*first)->find("nobody");
  ASSERT_TRUE(unknown.has_value());
  EXPECT_FALSE(unknown->has_value());

  // What anyone with database access sees: ciphertext and a key id.
  {
    pqxx::connection connection(url_);
    pqxx::nontransaction tx(connection);
    for (const auto& row : tx.exec("SELECT display_name, phone, email, pii_key_id FROM customers")) {
      for (int column = 0; column < 3; ++column) {
        const std::string raw = pqxx::binarystring(row[column]).str();
        for (const std::string& secret : {std::string("Ada"), std::string("Lovelace"), std::string("7946"),
                                          std::string("ada@"), std::string("example.com")}) {
          EXPECT_EQ(raw.find(secret), std::string::npos) << "plaintext '" << secret << "' in column " << column;
        }
      }
      EXPECT_EQ(row[3].as<std::string>(), "k1");
    }
    // The text form of the columns (what psql shows) hides them too.
    const std::string text = tx.exec(
                                   "SELECT string_agg(display_name::text || phone::text || email::text, '') "
                                   "FROM customers")[0][0]
                                 .as<std::string>();
    EXPECT_EQ(text.find("Ada"), std::string::npos);
  }

  // Rotation: k2 becomes active, k1 stays in the ring for old rows.
  auto rotated = PostgresCustomerDirectory::create(*pool_, PiiKeyRing{{{"k1", k1}, {"k2", k2}}, "k2"});
  ASSERT_TRUE(rotated.has_value());
  auto old_row = (*rotated)->find("c-ada");
  ASSERT_TRUE(old_row.has_value() && old_row->has_value()) << (old_row ? "" : old_row.error().message);
  EXPECT_EQ((*old_row)->display_name, "Ada Lovelace");
  EXPECT_EQ((*old_row)->phone, "+44 20 7946 0001");
  EXPECT_EQ((*old_row)->email, "ada@example.com");
  ASSERT_TRUE(
      (*rotated)->add(domain::Customer{"c-grace", "Grace Hopper", "+1 555 0100", "grace@example.com"}).has_value());
  EXPECT_EQ(count(url_, "SELECT count(*) FROM customers WHERE customer_id = 'c-grace' AND pii_key_id = 'k2'"), 1);
  auto grace = (*rotated)->find("c-grace");
  ASSERT_TRUE(grace.has_value() && grace->has_value());
  EXPECT_EQ((*grace)->display_name, "Grace Hopper");

  // Without k1 in the ring the old row cannot be read, and says why.
  auto k2_only = PostgresCustomerDirectory::create(*pool_, PiiKeyRing{{{"k2", k2}}, "k2"});
  ASSERT_TRUE(k2_only.has_value());
  auto unreadable = (*k2_only)->find("c-ada");
  ASSERT_FALSE(unreadable.has_value());
  EXPECT_NE(unreadable.error().message.find("k1"), std::string::npos);

  // Ciphertext moved to another row does not open there.
  {
    pqxx::connection connection(url_);
    pqxx::work tx(connection);
    tx.exec(
        "UPDATE customers SET display_name = (SELECT display_name FROM customers WHERE customer_id = 'c-ada'), "
        "pii_key_id = 'k1' WHERE customer_id = 'c-grace'");
    tx.commit();
  }
  auto moved = (*rotated)->find("c-grace");
  ASSERT_FALSE(moved.has_value());
  EXPECT_EQ(moved.error().code, ErrorCode::kInternal);

  auto misconfigured = PostgresCustomerDirectory::create(*pool_, PiiKeyRing{{{"k1", k1}}, "k9"});
  ASSERT_FALSE(misconfigured.has_value());
  EXPECT_EQ(misconfigured.error().code, ErrorCode::kInvalidArgument);
}

// A server of its own, stopped and started again under the adapters' feet.
TEST(PostgresOutageTest, UnavailableWhileDownAndRecoversWithoutRecreatingAnything) {
  const std::filesystem::path dir = testing::make_server_dir("pg-outage");
  const std::filesystem::path data = dir / "data";
  const std::string url = testing::start_postgres(data);
  ASSERT_FALSE(url.empty());
  {
    PgPool pool(pool_options(url, 2));
    ASSERT_TRUE(apply_migrations(pool, kMigrations).has_value());
    auto created = PostgresRegistry::create(pool, fast_reconnect());
    ASSERT_TRUE(created.has_value());
    PostgresRegistry& registry = **created;
    ASSERT_TRUE(registry.create_store(store_with_zones("s1")).has_value());
    ASSERT_TRUE(registry.register_beacon(beacon("s1", "table-1", 1)).has_value());
    PostgresVisitLedger ledger(pool);
    auto directory = PostgresCustomerDirectory::create(pool, PiiKeyRing{{{"k1", util::AesGcmKey{}}}, "k1"});
    ASSERT_TRUE(directory.has_value());
    const auto entrance = presence("v1", "s1", "entrance", domain::ZoneKind::kEntrance, 0, 0);
    const auto table = presence("v1", "s1", "table-1", domain::ZoneKind::kTable, 0, 5);
    ASSERT_TRUE(ledger.record("c1", std::nullopt, entrance, {}, std::nullopt).has_value());
    ASSERT_TRUE(pool.ping().has_value());

    testing::stop_postgres(data);

    EXPECT_FALSE(pool.healthy());
    auto write =
        ledger.record("c1", entrance, table, {event(domain::EventType::kCustomerSeated, table, "c1")}, std::nullopt);
    ASSERT_FALSE(write.has_value());
    EXPECT_EQ(write.error().code, ErrorCode::kUnavailable) << write.error().message;
    EXPECT_FALSE(write.error().message.empty());
    auto read = ledger.current("c1");
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
    auto add = (*directory)->add(domain::Customer{"c2", "x", "", ""});
    ASSERT_FALSE(add.has_value());
    EXPECT_EQ(add.error().code, ErrorCode::kUnavailable);
    auto admin = registry.add_zone(domain::Zone{"t9", "s1", domain::ZoneKind::kTable, ""});
    ASSERT_FALSE(admin.has_value());
    EXPECT_EQ(admin.error().code, ErrorCode::kUnavailable);
    // The hot path keeps answering from the snapshot.
    EXPECT_NE(registry.current()->find_beacon(domain::BeaconKey{kUuid, 1, 1}), nullptr);

    ASSERT_EQ(testing::start_postgres(data), url);  // same port, same data
    EXPECT_TRUE(wait_until([&] { return pool.healthy(); }, 10s));
    auto retried =
        ledger.record("c1", entrance, table, {event(domain::EventType::kCustomerSeated, table, "c1")}, std::nullopt);
    ASSERT_TRUE(retried.has_value()) << retried.error().message;
    EXPECT_EQ((*ledger.current("c1"))->zone_id, "table-1");
    EXPECT_TRUE((*directory)->add(domain::Customer{"c2", "x", "", ""}).has_value());

    // Restarted while idle: the pooled connections the server closed are
    // noticed and replaced, so the very first call afterwards succeeds.
    testing::stop_postgres(data);
    ASSERT_EQ(testing::start_postgres(data), url);
    auto first = ledger.current("c1");
    ASSERT_TRUE(first.has_value()) << first.error().message;

    // The listener reconnected: a change by another instance still arrives.
    PgPool other_pool(pool_options(url, 1));
    auto other = PostgresRegistry::create(other_pool);
    ASSERT_TRUE(other.has_value());
    ASSERT_TRUE((*other)->register_beacon(beacon("s1", "table-2", 2)).has_value());
    EXPECT_TRUE(wait_until(
        [&] {
          return registry.current()->find_beacon(domain::BeaconKey{kUuid, 1, 2}) != nullptr;
        },
        10s));
  }
  testing::stop_postgres(data);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace tastesync::infrastructure::db
