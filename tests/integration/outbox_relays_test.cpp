// Several outbox relays share the outbox by partitions (advisory locks, one
// owner per partition), against real PostgreSQL and the embedded Kafka (its
// events topic has several partitions): each store's events arrive on one
// Kafka partition, in the order they were written; both relays publish; a
// relay whose session dies loses its partitions to the other; nothing is
// lost. Delivery is at least once: a duplicate (same event-id) may arrive,
// and only after the event's first copy, so de-duplicating by id leaves
// every store's events in order. The test prints how many it saw.

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "infrastructure/db/migrations.h"
#include "infrastructure/db/outbox_payload.h"
#include "infrastructure/db/pg_pool.h"
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

constexpr int kStores = 12;

// Writes events for kStores stores (one customer each, named after the
// test), as the ledger would: each in a transaction of its own; remembers
// each store's events in the order they were committed.
class EventWriter {
 public:
  EventWriter(const std::string& url, std::string prefix) : connection_(url), prefix_(std::move(prefix)) {}

  void write(int per_store) {
    for (int n = 0; n < per_store; ++n) {
      for (int s = 0; s < kStores; ++s) {
        domain::DomainEvent event;
        event.event_id = util::new_uuid_v7();
        event.type = domain::EventType::kCustomerChangedTable;
        event.occurred_at = domain::Clock::now();
        event.customer_id = customer(s);
        event.store_id = prefix_ + "-store-" + std::to_string(s);
        event.visit_id = event.store_id + "-visit";
        event.zone_id = "table-" + std::to_string(n % 4);
        pqxx::work tx(connection_);
        tx.exec_params(
            "INSERT INTO outbox (event_id, store_id, customer_id, event_type, payload, occurred_at) "
            "VALUES ($1::uuid, $2, $3, 'CustomerChangedTable', $4, now())",
            event.event_id, event.store_id, event.customer_id, pqxx::binarystring(db::outbox_payload(event)));
        tx.commit();
        written_[event.customer_id].push_back(event.event_id);
        ++count_;
      }
    }
  }
  std::string customer(int s) const { return prefix_ + "-c" + std::to_string(s); }
  const std::map<std::string, std::vector<std::string>>& written() const { return written_; }
  std::size_t count() const { return count_; }

 private:
  pqxx::connection connection_;
  std::string prefix_;
  std::map<std::string, std::vector<std::string>> written_;  // by customer (one per store)
  std::size_t count_ = 0;
};

struct Relay {
  std::unique_ptr<db::PgPool> pool;
  std::unique_ptr<kafka::KafkaPublisher> publisher;
  std::unique_ptr<kafka::OutboxRelay> relay;
};

Relay make_relay(const std::string& url) {
  Relay made;
  made.pool = std::make_unique<db::PgPool>(db::PgPoolOptions{.url = url, .size = 1});
  auto publisher = kafka::KafkaPublisher::create({.brokers = kafka_bootstrap(), .topic = kEventsTopic});
  if (!publisher) throw std::runtime_error(publisher.error().message);
  made.publisher = std::move(*publisher);
  made.relay = std::make_unique<kafka::OutboxRelay>(
      *made.pool, *made.publisher, kafka::OutboxRelayOptions{.poll_interval = 20ms, .balance_interval = 100ms});
  made.relay->start();
  return made;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

std::string unsent(pqxx::connection& connection) {
  pqxx::nontransaction tx(connection);
  return tx.exec("SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0].as<std::string>();
}

class OutboxRelays : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(db::apply_migrations(migrating_, source_dir() / "migrations")); }

  // Waits until every written event was received; then checks, per store:
  // one Kafka partition, first copies in written order, duplicates only
  // after their first copy. Returns the duplicates seen.
  std::size_t expect_each_store_in_order(EventConsumer& consumer, const EventWriter& writer) {
    auto received = [&] {
      std::size_t distinct = 0;
      for (const auto& [customer, ids] : writer.written()) {
        std::set<std::string> seen;
        for (const ConsumedEvent& consumed : consumer.events_for(customer)) seen.insert(consumed.event.event_id);
        distinct += seen.size();
      }
      return distinct;
    };
    EXPECT_TRUE(consumer.poll_until([&] { return received() >= writer.count(); }, 30s))
        << received() << " of " << writer.count() << " events; " << consumer.last_error();
    consumer.poll_for(300ms);  // late duplicates
    std::size_t duplicates = 0;
    std::set<std::int32_t> partitions_used;
    for (const auto& [customer, ids] : writer.written()) {
      const std::vector<ConsumedEvent> events = consumer.events_for(customer);
      std::set<std::int32_t> partitions;
      std::vector<std::string> first_copies;
      std::set<std::string> seen;
      for (const ConsumedEvent& consumed : events) {
        partitions.insert(consumed.partition);
        if (seen.insert(consumed.event.event_id).second) {
          first_copies.push_back(consumed.event.event_id);
        } else {
          ++duplicates;
        }
      }
      EXPECT_EQ(partitions.size(), 1U) << customer << ": " << describe(events);
      EXPECT_EQ(first_copies, ids) << customer << " (in offset order): " << describe(events);
      partitions_used.insert(partitions.begin(), partitions.end());
    }
    EXPECT_GT(partitions_used.size(), 1U) << "every store landed on one Kafka partition";
    return duplicates;
  }

  TestDatabase database_{"cid-relays"};
  db::PgPool migrating_{db::PgPoolOptions{.url = database_.url(), .size = 1}};
  pqxx::connection connection_{database_.url()};
  std::string prefix_ = unique_customer("relays");
};

TEST_F(OutboxRelays, EachStoresEventsArriveInOrderOnOneKafkaPartitionWhileSeveralAreUsed) {
  EventConsumer consumer(kafka_bootstrap());
  EventWriter writer(database_.url(), prefix_);
  Relay one = make_relay(database_.url());
  writer.write(10);
  const std::size_t duplicates = expect_each_store_in_order(consumer, writer);
  EXPECT_EQ(duplicates, 0U);  // one relay, nothing killed
  EXPECT_EQ(one.relay->owned_partitions().size(), 16U);
  EXPECT_TRUE(eventually([&] { return unsent(connection_) == "0"; }, 5s));
}

TEST_F(OutboxRelays, TwoRelaysShareThePartitionsAndTheSurvivorTakesADeadOnesShare) {
  EventConsumer consumer(kafka_bootstrap());
  EventWriter writer(database_.url(), prefix_);
  Relay a = make_relay(database_.url_named("relay-a"));
  Relay b = make_relay(database_.url_named("relay-b"));

  // Each owns half, none owned twice.
  auto split_evenly = [&] {
    const auto of_a = a.relay->owned_partitions(), of_b = b.relay->owned_partitions();
    std::set<std::string> all(of_a.begin(), of_a.end());
    all.insert(of_b.begin(), of_b.end());
    return of_a.size() == 8 && of_b.size() == 8 && all.size() == 16;
  };
  ASSERT_TRUE(eventually(split_evenly, 10s))
      << a.relay->owned_partitions().size() << " + " << b.relay->owned_partitions().size();
  writer.write(10);
  ASSERT_TRUE(eventually([&] { return unsent(connection_) == "0"; }, 10s));
  EXPECT_GT(a.relay->published(), 0U);
  EXPECT_GT(b.relay->published(), 0U);

  // A's session dies while events keep coming (its server-side end, as when
  // its process or host dies): its locks go with it. B takes A's share; A,
  // back with a new session, takes its half again; nothing is lost.
  std::thread more([&] { writer.write(10); });
  {
    pqxx::nontransaction kill(connection_);
    kill.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'relay-a'");
  }
  more.join();
  ASSERT_TRUE(eventually(split_evenly, 10s));

  // A stopped for good (its connection closed): B owns every partition and
  // relays what is written after.
  const std::uint64_t b_before = b.relay->published();
  a.relay->stop();
  ASSERT_TRUE(eventually([&] { return b.relay->owned_partitions().size() == 16; }, 10s))
      << b.relay->owned_partitions().size();
  writer.write(10);
  ASSERT_TRUE(eventually([&] { return unsent(connection_) == "0"; }, 10s));
  EXPECT_GE(b.relay->published(), b_before + kStores * 10);

  const std::size_t duplicates = expect_each_store_in_order(consumer, writer);
  std::printf(
      "[ relays ] %zu events over %d stores, two relays, one session killed, one relay stopped: "
      "%zu duplicates (after their first copy)\n",
      writer.count(), kStores, duplicates);
}

}  // namespace
}  // namespace tastesync::testing
