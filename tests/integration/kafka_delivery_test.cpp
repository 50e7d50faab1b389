// Events reach Kafka with nothing lost: a real librdkafka consumer
// reads what the real server binary published through the transactional
// outbox, against real PostgreSQL and Redis and the embedded Kafka
// (cmd/devkafka, librdkafka's mock cluster speaking the Kafka protocol).
//
// Delivery is at least once on the wire: a relay that dies (or loses a
// delivery report) after Kafka stored a batch but before it stamped the rows
// sent publishes them again. The tests therefore assert "nothing lost" and
// de-duplicate by event_id, and print how many duplicates they saw.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "infrastructure/codec/event_codec.h"
#include "integration/event_consumer.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"
#include "local_stack/local_stack.h"

namespace tastesync::testing {
namespace {

using Caller = DemoCaller;

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kDemoStore = "demo-bistro";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// A PostgreSQL (and optionally an embedded Kafka) of the test's own, so its
// relay publishes only the test's outbox rows to the Kafka it reads, and the
// relay's advisory lock is not held by another test's server. Stopped by PID
// whatever way the test ends.
struct PrivateStack {
  local_stack::LocalStack servers;
  std::string postgres;

  PrivateStack(const std::string& name, bool own_kafka)
      : servers(name, {.redis = false, .kafka = own_kafka}), postgres(servers.postgres_url()) {}
  const std::string& kafka_brokers() const {
    return servers.kafka_pid() > 0 ? servers.kafka_bootstrap() : kafka_bootstrap();
  }
  ServerOptions server_options() const {
    ServerOptions options;
    options.postgres_url = postgres;
    options.kafka_brokers = kafka_brokers();
    return options;
  }
};

// Re-runs `sql` until it prints `expected` or `timeout` passes; returns the
// last output (the relay stamps rows sent just after Kafka acknowledged them).
std::string psql_until(const std::string& url, const std::string& sql, const std::string& expected,
                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out = psql(url, sql);
  while (out != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    out = psql(url, sql);
  }
  return out;
}

// Every id in `expected` that the consumer has not received.
std::vector<std::string> missing(const std::set<std::string>& expected, const std::map<std::string, int>& received) {
  std::vector<std::string> out;
  for (const std::string& id : expected) {
    if (!received.contains(id)) out.push_back(id);
  }
  return out;
}

// Receptions of the `expected` ids beyond the first.
int duplicates(const std::set<std::string>& expected, const std::map<std::string, int>& received) {
  int extra = 0;
  for (const auto& [id, count] : received) {
    if (expected.contains(id)) extra += count - 1;
  }
  return extra;
}

std::string first_few(const std::vector<std::string>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < 5; ++i) out += (i ? ", " : "") + ids[i];
  return out + (ids.size() > 5 ? ", ..." : "");
}

// The committed outbox rows of these customers: what must reach Kafka.
std::set<std::string> outbox_ids(const std::string& url, const std::vector<std::string>& customers) {
  std::string in;
  for (const std::string& customer : customers) in += (in.empty() ? "'" : ",'") + customer + "'";
  const auto rows = lines(psql(url, "SELECT event_id FROM outbox WHERE customer_id IN (" + in + ")"));
  return {rows.begin(), rows.end()};
}

// Rows of these customers stamped sent before their delivery: sent_at earlier
// than the Kafka timestamp (when the producer produced it) of the latest copy
// the consumer saw of their event. Every copy was produced before or in the
// relay pass that stamped the row, and delivered after it was produced.
// Both clocks are this machine's; Kafka's is in whole milliseconds, rounded
// down, so it never makes a row look early.
std::vector<std::string> stamped_before_delivery(const std::string& url, const std::vector<std::string>& customers,
                                                 const EventConsumer& consumer) {
  std::map<std::string, std::chrono::system_clock::time_point> produced;
  for (const ConsumedEvent& consumed : consumer.all()) {
    if (!consumed.kafka_timestamp) continue;
    auto& latest = produced[consumed.event.event_id];
    latest = std::max(latest, *consumed.kafka_timestamp);
  }
  std::string in;
  for (const std::string& customer : customers) in += (in.empty() ? "'" : ",'") + customer + "'";
  std::vector<std::string> early;
  for (const std::string& row :
       lines(psql(url,
                  "SELECT event_id, floor(extract(epoch FROM sent_at) * 1000000)::bigint FROM outbox WHERE "
                  "sent_at IS NOT NULL AND customer_id IN (" +
                      in + ")"))) {
    const std::size_t bar = row.find('|');
    const std::string id = row.substr(0, bar);
    const std::chrono::system_clock::time_point sent_at{std::chrono::microseconds(std::stoll(row.substr(bar + 1)))};
    const auto it = produced.find(id);
    if (it != produced.end() && sent_at < it->second) early.push_back(id);
  }
  return early;
}

TEST(KafkaDelivery, OneEventPerTransitionInOrderWithTheFieldsRight) {
  EventConsumer consumer(kafka_bootstrap());
  RunningServer server;
  const std::string customer = unique_customer("kafka-fields");
  Caller caller(server, customer);
  const auto started = std::chrono::system_clock::now();

  std::vector<std::string> ids;
  ASSERT_TRUE(caller.move_to(1, ids).ok());
  ASSERT_TRUE(caller.move_to(4, ids).ok());
  // More sightings where the customer already is: no transition, no event.
  for (int i = 0; i < 3; ++i) {
    v1::IdentifyResponse response;
    ASSERT_TRUE(caller.at(4, response).ok());
    for (const std::string& id : response.event_ids()) ids.push_back(id);
  }
  const auto finished = std::chrono::system_clock::now();
  ASSERT_EQ(ids.size(), 4u) << "identified, entered, seated, changed table";

  const std::vector<ConsumedEvent> events = consumer.collect(customer, 4, seconds(20));
  ASSERT_EQ(events.size(), 4u) << "received:\n" << describe(events) << "last consumer error: " << consumer.last_error();

  const std::array<domain::EventType, 4> types = {
      domain::EventType::kCustomerIdentified, domain::EventType::kCustomerEnteredStore,
      domain::EventType::kCustomerSeated, domain::EventType::kCustomerChangedTable};
  const std::array<const char*, 4> zones = {"table-1", "table-1", "table-1", "table-4"};
  const std::string visit_id =
      psql(postgres_url(), "SELECT visit_id FROM visits WHERE customer_id = '" + customer + "'");
  ASSERT_FALSE(visit_id.empty());
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i) + ":\n" + describe({events[i]}));
    const ConsumedEvent& got = events[i];
    EXPECT_EQ(got.event.event_id, ids[i]) << "the Identify answers' event_ids, in the same order";
    EXPECT_EQ(got.event.type, types[i]);
    EXPECT_EQ(got.event.store_id, kDemoStore);
    EXPECT_EQ(got.event.customer_id, customer);
    EXPECT_EQ(got.event.visit_id, visit_id);
    EXPECT_EQ(got.event.zone_id, zones[i]);
    EXPECT_EQ(got.event.previous_zone_id, i == 3 ? "table-1" : "");
    EXPECT_EQ(got.event.signal, domain::Signal::kBeacon);
    EXPECT_GT(got.event.confidence, 0.0);
    EXPECT_LE(got.event.confidence, 1.0);
    EXPECT_GE(got.event.occurred_at, started - seconds(1));
    EXPECT_LE(got.event.occurred_at, finished + seconds(1));
    EXPECT_EQ(got.key, kDemoStore) << "keyed by store";
    EXPECT_EQ(got.headers.count("event-type") ? got.headers.at("event-type") : "<none>", domain::to_string(types[i]));
    EXPECT_EQ(got.headers.count("event-id") ? got.headers.at("event-id") : "<none>", ids[i]);
    EXPECT_EQ(got.headers.count("content-type") ? got.headers.at("content-type") : "<none>",
              infrastructure::codec::kEventContentType);
    if (i > 0) {
      // One store, one partition: the store's order is the offset order.
      EXPECT_EQ(got.partition, events[0].partition);
      EXPECT_GT(got.offset, events[i - 1].offset);
    }
  }

  // Exactly once in normal operation: nothing more arrives for the customer.
  consumer.poll_for(milliseconds(1500));
  EXPECT_EQ(consumer.events_for(customer).size(), 4u) << "received:\n" << describe(consumer.events_for(customer));
  EXPECT_EQ(psql_until(postgres_url(),
                       "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND customer_id = '" + customer + "'",
                       "4", seconds(10)),
            "4")
      << "every row stamped sent after its delivery";
  for (const ConsumedEvent& got : events) EXPECT_TRUE(got.kafka_timestamp) << "the consumer sees when it was produced";
  EXPECT_EQ(stamped_before_delivery(postgres_url(), {customer}, consumer), std::vector<std::string>{})
      << "sent_at is the delivery time, never earlier";
  EXPECT_EQ(consumer.undecodable(), 0u) << consumer.last_error();
}

TEST(KafkaDelivery, BrokersDownForThirtySecondsLosesNothing) {
  PrivateStack stack("kafka-outage", /*own_kafka=*/true);
  RunningServer server(stack.server_options());
  EventConsumer consumer(stack.kafka_brokers());

  constexpr unsigned kCustomers = 4;
  std::vector<std::unique_ptr<Caller>> callers;
  std::vector<std::string> customers;
  std::vector<unsigned> table(kCustomers);
  std::set<std::string> answered;  // event ids the Identify answers returned
  for (unsigned c = 0; c < kCustomers; ++c) {
    customers.push_back(unique_customer("kafka-outage-" + std::to_string(c)));
    callers.push_back(std::make_unique<Caller>(server, customers.back()));
    table[c] = c + 1;
    std::vector<std::string> ids;
    ASSERT_TRUE(callers[c]->move_to(table[c], ids).ok());
    answered.insert(ids.begin(), ids.end());
  }
  // The path works before the outage.
  ASSERT_TRUE(consumer.poll_until([&] { return missing(answered, consumer.id_counts()).empty(); }, seconds(20)))
      << "before the outage; last consumer error: " << consumer.last_error();
  const std::size_t before_outage = answered.size();

  ASSERT_EQ(kill(stack.servers.kafka_pid(), SIGUSR1), 0);
  const auto outage_end = std::chrono::steady_clock::now() + seconds(30);
  int moves = 0;
  int failures = 0;
  int idle_in_transaction = 0;  // the service's connections seen holding a transaction open
  int long_transactions = 0;    // ... or inside one (a statement waiting, too) for over a second
  std::string first_failure;
  while (std::chrono::steady_clock::now() < outage_end) {
    idle_in_transaction += std::stoi(psql(stack.postgres,
                                          "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                          "'customer-id' AND state = 'idle in transaction' AND "
                                          "now() - state_change > interval '200 milliseconds'"));
    long_transactions += std::stoi(psql(stack.postgres,
                                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                        "'customer-id' AND clock_timestamp() - xact_start > interval '1 second'"));
    for (unsigned c = 0; c < kCustomers; ++c) {
      table[c] = table[c] % 4 + 1;
      std::vector<std::string> ids;
      const grpc::Status status = callers[c]->move_to(table[c], ids);
      answered.insert(ids.begin(), ids.end());
      if (status.ok()) {
        ++moves;
      } else if (++failures == 1) {
        first_failure = status.error_message();
      }
    }
    // Customers change tables every half second or so; the consumer keeps
    // polling meanwhile (it must ride out the outage too).
    consumer.poll_for(milliseconds(500));
  }
  const std::string brokers_back_at = psql(stack.postgres, "SELECT clock_timestamp()");
  ASSERT_EQ(kill(stack.servers.kafka_pid(), SIGUSR2), 0);
  const auto recovery_started = std::chrono::steady_clock::now();
  // The relay waits for Kafka outside any transaction and off the request
  // pool: nothing sits idle in a transaction while the brokers are away.
  EXPECT_EQ(idle_in_transaction, 0);
  EXPECT_EQ(long_transactions, 0);
  EXPECT_EQ(failures, 0) << "identifications must keep succeeding while Kafka is down; first: " << first_failure;
  ASSERT_GT(moves, 40) << "too few transitions during the outage to mean anything";

  const std::set<std::string> committed = outbox_ids(stack.postgres, customers);
  for (const std::string& id : answered) {
    EXPECT_TRUE(committed.contains(id)) << "answered event " << id << " has no outbox row";
  }
  const bool all_arrived =
      consumer.poll_until([&] { return missing(committed, consumer.id_counts()).empty(); }, seconds(90));
  const auto recovered_in =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - recovery_started);
  const auto received = consumer.id_counts();
  const auto lost = missing(committed, received);
  EXPECT_TRUE(all_arrived && lost.empty())
      << lost.size() << " of " << committed.size() << " committed events never arrived (after " << recovered_in.count()
      << " ms): " << first_few(lost) << "; last consumer error: " << consumer.last_error() << "\nserver log tail:\n"
      << read_text(server.work_dir() / "server.log").substr(0, 4000);
  // Catch late redeliveries before counting duplicates.
  consumer.poll_for(milliseconds(1000));
  const int extra = duplicates(committed, consumer.id_counts());
  std::printf(
      "[ kafka outage ] %zu events committed (%zu before the outage, %d moves during it), all %zu "
      "delivered %lld ms after the brokers came back; %d duplicate deliveries\n",
      committed.size(), before_outage, moves, committed.size() - lost.size(),
      static_cast<long long>(recovered_in.count()), extra);

  // Per customer, the first delivery of each event comes in commit order:
  // one store, one partition.
  for (const std::string& customer : customers) {
    std::set<std::string> seen;
    std::vector<std::string> first_deliveries;
    for (const ConsumedEvent& consumed : consumer.events_for(customer)) {
      if (seen.insert(consumed.event.event_id).second) first_deliveries.push_back(consumed.event.event_id);
    }
    const auto in_commit_order =
        lines(psql(stack.postgres, "SELECT event_id FROM outbox WHERE customer_id = '" + customer + "' ORDER BY seq"));
    EXPECT_EQ(first_deliveries, in_commit_order) << customer << ": events out of order";
  }
  EXPECT_EQ(psql_until(stack.postgres, "SELECT count(*) FROM outbox WHERE sent_at IS NULL", "0", seconds(10)), "0")
      << "the relay must stamp every delivered row";
  // sent_at is when Kafka took the event: nothing committed during the
  // outage is stamped before the brokers came back.
  EXPECT_EQ(psql(stack.postgres, "SELECT count(*) FROM outbox WHERE sent_at < '" + brokers_back_at +
                                     "'::timestamptz AND created_at > '" + brokers_back_at +
                                     "'::timestamptz - interval '30 seconds'"),
            "0");
  const auto early = stamped_before_delivery(stack.postgres, customers, consumer);
  EXPECT_TRUE(early.empty()) << early.size() << " rows stamped sent before their delivery: " << first_few(early);
  // The outage is logged once, with its end.
  const std::string log = read_text(server.work_dir() / "server.log");
  auto count = [&log](const std::string& event) {
    std::size_t n = 0;
    for (auto at = log.find(event); at != std::string::npos; at = log.find(event, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("\"outbox.kafka_unreachable\""), 1u);
  EXPECT_EQ(count("\"outbox.kafka_recovered\""), 1u);
}

TEST(KafkaDelivery, KillNineMidStreamThenRestartDeliversEveryCommittedEvent) {
  PrivateStack stack("kafka-kill", /*own_kafka=*/false);
  EventConsumer consumer(stack.kafka_brokers());
  auto first = std::make_unique<RunningServer>(stack.server_options());
  ASSERT_GT(first->pid(), 0);

  constexpr int kThreads = 3;
  std::vector<std::string> customers;
  for (int t = 0; t < kThreads; ++t) customers.push_back(unique_customer("kafka-kill-" + std::to_string(t)));
  std::mutex mutex;
  std::set<std::string> answered;  // ids from answers that arrived before the kill
  std::atomic<int> transitions{0};
  std::vector<std::thread> streams;
  for (int t = 0; t < kThreads; ++t) {
    streams.emplace_back([&, t] {
      Caller caller(*first, customers[static_cast<std::size_t>(t)]);
      // A bounded stream: ends at the first failed call (the kill) or after
      // 20 s should the kill never come.
      const auto give_up = std::chrono::steady_clock::now() + seconds(20);
      for (unsigned table = 1; std::chrono::steady_clock::now() < give_up; table = table % 4 + 1) {
        std::vector<std::string> ids;
        const grpc::Status status = caller.move_to(table, ids);
        {
          // move_to stops at the first failure, so these came from answers.
          std::scoped_lock lock(mutex);
          answered.insert(ids.begin(), ids.end());
        }
        if (!status.ok()) break;
        ++transitions;
        // Paced, so the relay publishes part of the stream before the kill.
        std::this_thread::sleep_for(milliseconds(20));
      }
    });
  }
  // Kill once the stream is well under way, while calls are in flight. A move
  // takes two reports since the zone filter answers one report back (a
  // single report no longer moves anyone), so fewer transitions fit the
  // window than when one report did.
  constexpr int kUnderWay = 24;
  const auto stream_started = std::chrono::steady_clock::now();
  const auto kill_deadline = stream_started + seconds(15);
  while ((transitions.load() < kUnderWay || std::chrono::steady_clock::now() < stream_started + seconds(2)) &&
         std::chrono::steady_clock::now() < kill_deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(kill(first->pid(), SIGKILL), 0);
  for (auto& stream : streams) stream.join();
  EXPECT_EQ(first->stop(), -1) << "the fixture reaps the killed server";
  first.reset();
  const int before_kill = transitions.load();
  ASSERT_GE(before_kill, kUnderWay) << "the stream never got going";

  const std::set<std::string> committed_before_restart = outbox_ids(stack.postgres, customers);
  const int unsent_at_kill = std::stoi(psql(stack.postgres, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"));
  for (const std::string& id : answered) {
    EXPECT_TRUE(committed_before_restart.contains(id)) << "answered event " << id << " has no outbox row";
  }

  RunningServer second(stack.server_options());
  const bool all_arrived = consumer.poll_until(
      [&] {
        const auto received = consumer.id_counts();
        return missing(answered, received).empty() && missing(committed_before_restart, received).empty();
      },
      seconds(30));
  consumer.poll_for(milliseconds(1000));
  const auto received = consumer.id_counts();
  const auto lost_answered = missing(answered, received);
  const auto lost_committed = missing(committed_before_restart, received);
  EXPECT_TRUE(all_arrived && lost_answered.empty())
      << lost_answered.size() << " of " << answered.size()
      << " events acknowledged to callers before the kill never arrived: " << first_few(lost_answered);
  EXPECT_TRUE(lost_committed.empty()) << lost_committed.size() << " of " << committed_before_restart.size()
                                      << " committed events never arrived: " << first_few(lost_committed);
  const int extra = duplicates(committed_before_restart, received);
  std::printf(
      "[ kill -9 ] %d transitions before the kill; %zu events answered, %zu committed, %d unsent at the "
      "kill; all delivered after the restart: %s; %d duplicate deliveries\n",
      before_kill, answered.size(), committed_before_restart.size(), unsent_at_kill,
      lost_committed.empty() && lost_answered.empty() ? "yes" : "NO", extra);
  EXPECT_EQ(psql_until(stack.postgres, "SELECT count(*) FROM outbox WHERE sent_at IS NULL", "0", seconds(10)), "0")
      << "the new instance's relay must take over the backlog";
}

}  // namespace
}  // namespace tastesync::testing

namespace tastesync::testing {
namespace {

// Delivered events are deleted once older than kafka.keep_delivered_hours;
// nothing undelivered or recent is.
TEST(KafkaDelivery, DeliveredEventsOlderThanTheRetentionAreDeletedAndNothingElse) {
  PrivateStack stack("outbox-retention", /*own_kafka=*/false);
  ServerOptions options = stack.server_options();
  options.environment["CUSTOMER_ID_KAFKA_KEEP_DELIVERED_HOURS"] = "24";
  {
    RunningServer migrate(options);  // creates the tables
  }
  const std::string insert =
      "INSERT INTO outbox (event_id, store_id, customer_id, event_type, payload, occurred_at, created_at, sent_at) "
      "VALUES ";
  psql(stack.postgres,
       insert +
           "('00000000-0000-7000-8000-000000000001', 'demo-bistro', 'old', 'test', '\\x00', now() - interval '30 "
           "hours', "
           "now() - interval '30 hours', now() - interval '25 hours'), "
           "('00000000-0000-7000-8000-000000000002', 'demo-bistro', 'recent', 'test', '\\x00', now() - interval '2 "
           "hours', now() - interval '2 hours', now() - interval '1 hour'), "
           "('00000000-0000-7000-8000-000000000003', 'demo-bistro', 'waiting', 'test', '\\x00', now() - interval '30 "
           "hours', now() - interval '30 hours', NULL)");
  RunningServer server(options);  // its relay's first pass forgets
  EXPECT_EQ(psql_until(stack.postgres, "SELECT count(*) FROM outbox WHERE customer_id = 'old'", "0",
                       std::chrono::seconds(20)),
            "0");
  EXPECT_EQ(
      psql(stack.postgres, "SELECT customer_id FROM outbox WHERE customer_id IN ('recent', 'waiting') ORDER BY 1"),
      "recent\nwaiting")
      << "a recent delivery and an undelivered event stay";
  EXPECT_EQ(psql_until(stack.postgres, "SELECT sent_at IS NOT NULL FROM outbox WHERE customer_id = 'waiting'", "t",
                       std::chrono::seconds(20)),
            "t")
      << "the undelivered one is relayed, however old";
}

}  // namespace
}  // namespace tastesync::testing
