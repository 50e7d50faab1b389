// The Redis adapter over a real Redis Cluster of 6 nodes (3 masters, 3
// replicas, scripts/redis_cluster.sh): every port the service uses (presence,
// Identify's request state, idempotency, one-time claims, the last-seen
// index, the cache generation) works across the masters; then one master is
// killed by PID, its replica is promoted, and the adapter finds the new
// master by itself with no wrong answer in between.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "infrastructure/redis/cluster_slots.h"
#include "infrastructure/redis/key_layout.h"
#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_cluster.h"
#include "infrastructure/redis/redis_idempotency_store.h"
#include "infrastructure/redis/redis_last_seen_index.h"
#include "infrastructure/redis/redis_one_time_claims.h"
#include "infrastructure/redis/redis_presence_store.h"
#include "infrastructure/redis/redis_request_state.h"
#include "integration/local_servers.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using namespace std::chrono_literals;

const domain::Timestamp kT0{std::chrono::milliseconds(1'735'689'600'000)};

domain::PresenceRecord seated(domain::PresenceRecord record, const std::string& zone, domain::Timestamp at) {
  domain::Presence presence;
  presence.visit_id = "visit-1";
  presence.store_id = "store-1";
  presence.zone_id = zone;
  presence.zone_kind = domain::ZoneKind::kTable;
  presence.visit_started_at = at;
  presence.zone_since = at;
  presence.last_seen = at;
  record.presence = presence;
  record.resolver.store_id = "store-1";
  record.resolver.incumbent_zone_id = zone;
  return record;
}

application::RememberedReply answer(const std::string& fingerprint) {
  application::RememberedReply reply;
  reply.request_fingerprint = fingerprint;
  reply.response.customer_id = "c1";
  reply.response.location = {"store-1", "table-1", domain::ZoneKind::kTable, "Table"};
  return reply;
}

class RedisClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(testing::make_server_dir("redis-cluster"));
    seeds_ = new std::string(testing::start_redis_cluster(*dir_));
  }
  static void TearDownTestSuite() {
    testing::stop_redis_cluster(*dir_);
    std::filesystem::remove_all(*dir_);
    delete seeds_;
    delete dir_;
  }

  // A client of one node alone (not routed), to look at the cluster itself.
  static RedisClientPtr node(int port) {
    return RedisClient::create("redis://127.0.0.1:" + std::to_string(port)).value();
  }
  // The master serving `slot`, as the cluster says now (asked of a live node).
  static int master_of(std::uint16_t slot, int ask_port) {
    auto slots = node(ask_port)->command({"CLUSTER", "SLOTS"});
    if (!slots) return 0;
    for (const RedisReply& range : slots->elements) {
      if (range.elements[0].integer <= slot && slot <= range.elements[1].integer) {
        return static_cast<int>(range.elements[2].elements[1].integer);
      }
    }
    return 0;
  }
  static std::vector<int> ports() {
    std::vector<int> out;
    std::string rest = *seeds_;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string item = rest.substr(0, comma);
      out.push_back(std::stoi(item.substr(item.rfind(':') + 1)));
      rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    }
    return out;
  }

  static std::filesystem::path* dir_;
  static std::string* seeds_;

  RedisClientPtr client_ = RedisClient::create_cluster(*seeds_).value();
  RedisPresenceStore presence_{client_, 1800s};
  RedisIdempotencyStore idempotency_{client_, 600s};
  RedisRequestState state_{client_, presence_, idempotency_};
  RedisOneTimeClaims claims_{client_};
  RedisLastSeenIndex last_seen_{client_};
};

std::filesystem::path* RedisClusterTest::dir_ = nullptr;
std::string* RedisClusterTest::seeds_ = nullptr;

TEST_F(RedisClusterTest, EveryPortWorksAcrossTheMasters) {
  // Customers whose buckets fall on every master.
  std::vector<std::string> customers;
  for (int i = 0; i < 30; ++i) customers.push_back(testing::unique_customer("cl-" + std::to_string(i)));

  for (const std::string& customer : customers) {
    auto empty = presence_.load(customer);
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_EQ(empty->version, 0u);
    ASSERT_TRUE(presence_.save(customer, seated(*empty, "table-1", kT0)));
    auto loaded = presence_.load(customer);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->version, 1u);
    EXPECT_EQ(loaded->presence->zone_id, "table-1");
    // A stale writer loses its compare-and-set, on a cluster too.
    auto lost = presence_.save(customer, seated(*empty, "table-2", kT0));
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().code, ErrorCode::kAborted);
  }
  std::set<int> masters_used;
  for (const std::string& customer : customers) {
    masters_used.insert(master_of(key_slot(keys::presence(customer)), ports().front()));
  }
  EXPECT_EQ(masters_used.size(), 3u) << "the customers' keys should spread over the 3 masters";

  // Identify's request state: one script over the customer's bucket.
  const std::string customer = customers.front();
  const std::string request = customer + "\nrequest-1";
  auto begun = state_.begin(customer, request);
  ASSERT_TRUE(begun) << begun.error().message;
  ASSERT_FALSE(begun->remembered);
  ASSERT_TRUE(state_.commit(customer, seated(begun->record, "table-3", kT0 + 1s), request, answer("fp-1")));
  auto replay = state_.begin(customer, request);
  ASSERT_TRUE(replay) << replay.error().message;
  ASSERT_TRUE(replay->remembered);
  EXPECT_EQ(replay->remembered->request_fingerprint, "fp-1");

  // An answer kept outside the commit (copied back from the ledger) lands in
  // the customer's slot, so the commit script sees it: a commit from this
  // instance's copy for that request writes nothing (answered).
  const std::string copied_back = customer + "\nrequest-2";
  ASSERT_TRUE(idempotency_.remember(customer, copied_back, answer("fp-2")));
  EXPECT_EQ(idempotency_.find(customer, copied_back).value()->request_fingerprint, "fp-2");
  auto from_copy = state_.commit_from(customer, seated(presence_.load(customer).value(), "table-4", kT0 + 2s),
                                      copied_back, answer("fp-other"), RedisRequestState::ReadFrom::kLocalCopy);
  ASSERT_TRUE(from_copy) << from_copy.error().message;
  EXPECT_EQ(*from_copy, RedisRequestState::Committed::kAnswered);
  EXPECT_EQ(state_.begin(customer, copied_back)->remembered->request_fingerprint, "fp-2");

  // One-time claims: single keys, any slot.
  const std::string claim = testing::unique_customer("claim");
  EXPECT_EQ(claims_.claim(claim, "first", 60s).value(), "first");
  EXPECT_EQ(claims_.claim(claim, "second", 60s).value(), "first");

  // The last-seen index: every bucket, over every master, oldest first.
  auto stale = last_seen_.stale(kT0 + 500ms, 1000);
  ASSERT_TRUE(stale) << stale.error().message;
  const std::set<std::string> listed(stale->begin(), stale->end());
  for (std::size_t i = 1; i < customers.size(); ++i) EXPECT_TRUE(listed.contains(customers[i])) << customers[i];
  EXPECT_FALSE(listed.contains(customer)) << "seen again at kT0 + 1s";
  ASSERT_TRUE(last_seen_.forget(customers[1], kT0));
  EXPECT_FALSE(last_seen_.stale(kT0 + 500ms, 1000).value() == *stale);

  // The cache generation moves in every bucket.
  domain::PresenceRecord confirmed = presence_.load(customers[2]).value();
  confirmed.confirmed = true;
  ASSERT_TRUE(presence_.save(customers[2], confirmed));
  EXPECT_TRUE(presence_.load(customers[2])->confirmed);
  ASSERT_TRUE(presence_.advance_epoch());
  EXPECT_FALSE(presence_.load(customers[2])->confirmed);
}

TEST_F(RedisClusterTest, AKilledMasterIsReplacedAndTheAdapterFollows) {
  const std::string customer = testing::unique_customer("failover");
  ASSERT_TRUE(presence_.save(customer, seated({}, "table-1", kT0)));
  const std::uint16_t slot = key_slot(keys::presence(customer));
  const std::vector<int> all = ports();
  const int victim = master_of(slot, all.front());
  ASSERT_NE(victim, 0);
  const int witness = all.front() == victim ? all.back() : all.front();
  // The write is on the replica before the master dies (replication is
  // asynchronous; without this a fail-over may lose the last writes, which
  // the ledger then restores).
  auto replicated = node(victim)->command({"WAIT", "1", "2000"});
  ASSERT_TRUE(replicated) << replicated.error().message;
  ASSERT_EQ(replicated->integer, 1);

  std::ifstream pidfile(*dir_ / std::to_string(victim) / "redis.pid");
  pid_t pid = 0;
  pidfile >> pid;
  ASSERT_GT(pid, 0);
  const auto refreshes_before = client_->cluster()->refreshes();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);

  // Until the replica is promoted the slot has no master: calls fail as an
  // outage does (kUnavailable), never with another answer.
  const auto killed = std::chrono::steady_clock::now();
  int unavailable = 0;
  std::optional<domain::PresenceRecord> after;
  while (std::chrono::steady_clock::now() - killed < 60s) {
    auto loaded = presence_.load(customer);
    if (loaded) {
      after = *loaded;
      break;
    }
    ASSERT_EQ(loaded.error().code, ErrorCode::kUnavailable) << loaded.error().message;
    ++unavailable;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(after) << "no new master within 60 s";
  const auto took = std::chrono::steady_clock::now() - killed;
  EXPECT_EQ(after->version, 1u);
  ASSERT_TRUE(after->presence);
  EXPECT_EQ(after->presence->zone_id, "table-1");
  const int promoted = master_of(slot, witness);
  EXPECT_NE(promoted, victim);
  EXPECT_GT(client_->cluster()->refreshes(), refreshes_before);

  // Writes go to the new master, and the rest of the ports work as before.
  ASSERT_TRUE(presence_.save(customer, seated(*after, "table-2", kT0 + 1s)));
  EXPECT_EQ(presence_.load(customer)->presence->zone_id, "table-2");
  const std::string claim = testing::unique_customer("claim-after");
  EXPECT_EQ(claims_.claim(claim, "first", 60s).value(), "first");
  auto stale = last_seen_.stale(kT0 + 1h, 10);
  ASSERT_TRUE(stale) << stale.error().message;
  ASSERT_TRUE(presence_.advance_epoch());
  std::printf("[ redis cluster ] master %d killed: replica %d serving after %lld ms (%d calls unavailable meanwhile)\n",
              victim, promoted,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()), unavailable);
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
