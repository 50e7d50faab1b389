// The Redis adapters against a real redis-server started by scripts/redis.sh.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "infrastructure/redis/fallback_stores.h"
#include "infrastructure/redis/key_layout.h"
#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_idempotency_store.h"
#include "infrastructure/redis/redis_presence_store.h"
#include "infrastructure/system/system_clock.h"
#include "integration/local_servers.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using namespace std::chrono_literals;

std::string unique_id(const std::string& what) { return testing::unique_customer("it-" + what); }

RedisClientPtr connect(const std::string& url) {
  auto client = RedisClient::create(url);
  EXPECT_TRUE(client) << client.error().message;
  return *client;
}

domain::PresenceRecord at_zone(domain::PresenceRecord record, const std::string& zone) {
  domain::Presence presence;
  presence.visit_id = "visit-1";
  presence.store_id = "store-1";
  presence.zone_id = zone;
  presence.zone_kind = domain::ZoneKind::kTable;
  presence.last_seen = domain::Clock::now();
  record.presence = presence;
  domain::BeaconTrack track;
  track.zone_id = zone;
  track.filtered_rssi = -3.25;
  track.samples = 4;
  record.resolver.store_id = "store-1";
  record.resolver.incumbent_zone_id = zone;
  record.resolver.tracks = {track};
  return record;
}

std::string zone_of(const domain::PresenceRecord& record) { return record.presence ? record.presence->zone_id : ""; }

long long integer_reply(RedisClient& client, std::initializer_list<std::string_view> command) {
  auto reply = client.command(command);
  EXPECT_TRUE(reply) << reply.error().message;
  return reply ? reply->integer : -100;
}

class RedisStoresTest : public ::testing::Test {
 protected:
  RedisClientPtr client_ = connect(testing::redis_url());
};

TEST_F(RedisStoresTest, PingsAndReportsReachability) {
  EXPECT_TRUE(client_->ping());
  EXPECT_TRUE(client_->redis_reachable());
}

TEST_F(RedisStoresTest, AnUnreachableRedisIsUnavailableQuickly) {
  // Stop a private server so the port is known to be closed.
  const auto dir = testing::make_server_dir("redis-closed");
  const std::string url = testing::start_redis(dir);
  testing::stop_redis(dir);
  auto client = connect(url);
  const auto started = std::chrono::steady_clock::now();
  auto pinged = client->ping();
  ASSERT_FALSE(pinged);
  EXPECT_EQ(pinged.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(pinged.error().message.find("cannot connect"), std::string::npos) << pinged.error().message;
  EXPECT_FALSE(client->redis_reachable());
  RedisPresenceStore store(client);
  auto loaded = store.load("anyone");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  std::filesystem::remove_all(dir);
}

TEST_F(RedisStoresTest, PresenceRoundTripsWithTheTtlSet) {
  RedisPresenceStore store(client_);
  const std::string customer = unique_id("presence");
  auto empty = store.load(customer);
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->version, 0u);
  EXPECT_FALSE(empty->presence);

  ASSERT_TRUE(store.save(customer, at_zone(*empty, "table-3")));
  auto loaded = store.load(customer);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->version, 1u);
  EXPECT_EQ(zone_of(*loaded), "table-3");
  ASSERT_EQ(loaded->resolver.tracks.size(), 1u);
  EXPECT_EQ(loaded->resolver.tracks[0].filtered_rssi, -3.25);

  const long long ttl = integer_reply(*client_, {"TTL", RedisPresenceStore::key_for(customer)});
  EXPECT_GT(ttl, 3590);
  EXPECT_LE(ttl, 3600);

  RedisPresenceStore short_lived(client_, 120s);
  ASSERT_TRUE(short_lived.save(customer, *loaded));
  const long long renewed = integer_reply(*client_, {"TTL", RedisPresenceStore::key_for(customer)});
  EXPECT_GT(renewed, 110);
  EXPECT_LE(renewed, 120);
  EXPECT_EQ(store.load(customer)->version, 2u);
}

TEST_F(RedisStoresTest, AConcurrentSaveIsAborted) {
  RedisPresenceStore store(client_);
  const std::string customer = unique_id("cas");
  ASSERT_TRUE(store.save(customer, at_zone({}, "table-1")));
  auto mine = store.load(customer).value();
  auto theirs = store.load(customer).value();
  ASSERT_TRUE(store.save(customer, at_zone(theirs, "table-2")));
  auto lost = store.save(customer, at_zone(mine, "table-9"));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::kAborted);
  EXPECT_EQ(zone_of(store.load(customer).value()), "table-2");
  // A record saved as new (version 0) over an existing one is a conflict too.
  auto fresh = store.save(customer, at_zone({}, "table-5"));
  ASSERT_FALSE(fresh);
  EXPECT_EQ(fresh.error().code, ErrorCode::kAborted);
}

TEST_F(RedisStoresTest, ADistrustedRecordIsUnconfirmedHeldAndItsReadersCannotConfirmIt) {
  RedisPresenceStore store(client_);
  const std::string customer = unique_id("distrust");
  // Confirmed under the current cache generation (read with the record).
  domain::PresenceRecord seated = at_zone(store.load(customer).value(), "table-3");
  seated.confirmed = true;
  ASSERT_TRUE(store.save(customer, seated));
  const auto read_before = store.load(customer).value();
  ASSERT_TRUE(read_before.confirmed);

  const domain::Timestamp hold_until{std::chrono::milliseconds(1'900'000'000'000)};
  ASSERT_TRUE(store.distrust(customer, hold_until));
  const auto after = store.load(customer).value();
  EXPECT_FALSE(after.confirmed);
  EXPECT_EQ(after.ledger_hold_until, hold_until);
  EXPECT_EQ(after.version, read_before.version + 1);
  EXPECT_EQ(zone_of(after), "table-3");
  // A writer that read before cannot write its confirmed record back.
  auto stale = store.save(customer, read_before);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kAborted);
  // An earlier hold never shortens a later one.
  ASSERT_TRUE(store.distrust(customer, hold_until - std::chrono::seconds(5)));
  EXPECT_EQ(store.load(customer).value().ledger_hold_until, hold_until);
  // A customer Redis does not hold stays absent.
  const std::string unknown = unique_id("distrust-none");
  ASSERT_TRUE(store.distrust(unknown, hold_until));
  EXPECT_EQ(store.load(unknown).value().version, 0u);
  EXPECT_EQ(integer_reply(*client_, {"EXISTS", RedisPresenceStore::key_for(unknown)}), 0);
}

TEST_F(RedisStoresTest, SavesAfterRedisForgotTheScript) {
  RedisPresenceStore store(client_);
  const std::string customer = unique_id("noscript");
  ASSERT_TRUE(store.save(customer, at_zone({}, "table-1")));
  ASSERT_TRUE(client_->command({"SCRIPT", "FLUSH"}));
  auto loaded = store.load(customer).value();
  auto saved = store.save(customer, at_zone(loaded, "table-2"));
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(store.load(customer)->version, 2u);
}

TEST_F(RedisStoresTest, ACorruptRecordIsReplacedByTheNextSave) {
  RedisPresenceStore store(client_);
  const std::string customer = unique_id("corrupt");
  const std::string key = RedisPresenceStore::key_for(customer);
  ASSERT_TRUE(client_->command({"HSET", key, "v", "3", "r", "P\x01 truncated"}));
  auto loaded = store.load(customer);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_FALSE(loaded->presence);
  EXPECT_EQ(loaded->version, 3u);
  ASSERT_TRUE(store.save(customer, at_zone(*loaded, "table-1")));
  EXPECT_EQ(zone_of(store.load(customer).value()), "table-1");

  // Not ours at all: an error, never a crash.
  ASSERT_TRUE(client_->command({"HSET", key, "v", "-1"}));
  EXPECT_EQ(store.load(customer).error().code, ErrorCode::kInternal);
  ASSERT_TRUE(client_->command({"DEL", key}));
  ASSERT_TRUE(client_->command({"SET", key, "not a hash"}));
  EXPECT_EQ(store.load(customer).error().code, ErrorCode::kInternal);  // WRONGTYPE
}

TEST_F(RedisStoresTest, ConcurrentWritersNeverLoseAnUpdate) {
  // Eight threads over the pool bump one customer's version through
  // compare-and-set; every successful save must count exactly once.
  RedisPresenceStore store(client_);
  const std::string customer = unique_id("contended");
  constexpr int kThreads = 8;
  constexpr int kSavesEach = 100;
  std::atomic<int> aborted{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int done = 0; done < kSavesEach;) {
        auto record = store.load(customer);
        if (!record) {
          ++failed;
          return;
        }
        auto saved = store.save(customer, *record);
        if (saved) {
          ++done;
        } else if (saved.error().code == ErrorCode::kAborted) {
          ++aborted;
        } else {
          ++failed;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(store.load(customer)->version, std::uint64_t{kThreads * kSavesEach});
  EXPECT_GT(aborted, 0);  // they did collide
}

TEST_F(RedisStoresTest, TheFirstRememberedAnswerWins) {
  RedisIdempotencyStore store(client_, 600s);
  const std::string customer = unique_id("answered");
  const std::string key = unique_id("caller") + "\nrequest-1";  // binary-safe keys
  auto missing = store.find(customer, key);
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_FALSE(*missing);

  application::RememberedReply first;
  first.request_fingerprint = "fp-first";
  first.response.customer_id = "c1";
  first.response.location = {"store-1", "table-3", domain::ZoneKind::kTable, "Table 3"};
  first.response.confidence = 0.75;
  first.response.event_ids = {"e1"};
  application::RememberedReply second = first;
  second.request_fingerprint = "fp-second";
  ASSERT_TRUE(store.remember(customer, key, first));
  ASSERT_TRUE(store.remember(customer, key, second));  // a no-op, not an error

  auto found = store.find(customer, key);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->request_fingerprint, "fp-first");
  EXPECT_EQ((*found)->response.location.table_label, "Table 3");
  EXPECT_EQ((*found)->response.event_ids, std::vector<std::string>{"e1"});
  // Beside the customer's presence (one cluster slot), where the commit
  // script can see it.
  EXPECT_EQ(RedisIdempotencyStore::key_for(customer, key), keys::identify_answer(customer, key));
  const long long ttl = integer_reply(*client_, {"TTL", RedisIdempotencyStore::key_for(customer, key)});
  EXPECT_GT(ttl, 590);
  EXPECT_LE(ttl, 600);
}

// A Redis of its own that the test stops and starts again on the same port.
class RedisOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_server_dir("redis-outage");
    url_ = testing::start_redis(dir_);
    RedisClientOptions options;
    options.pool_size = 4;
    options.command_timeout = 100ms;
    auto client = RedisClient::create(url_, options);
    ASSERT_TRUE(client) << client.error().message;
    client_ = *client;
    gate_ = std::make_shared<OutageGate>(clock_, 200ms);
  }
  void TearDown() override {
    testing::stop_redis(dir_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // What the identify use case does per request: find, load, save, remember.
  domain::Result<void> identify_like(const std::string& customer, const std::string& zone, int request) {
    const std::string key = customer + "\n" + std::to_string(request);
    if (auto found = idempotency_->find(customer, key); !found) return std::unexpected(found.error());
    auto record = presence_->load(customer);
    if (!record) return std::unexpected(record.error());
    if (auto saved = presence_->save(customer, at_zone(*record, zone)); !saved) return saved;
    application::RememberedReply reply;
    reply.request_fingerprint = "fp";
    reply.response.location.zone_id = zone;
    return idempotency_->remember(customer, key, reply);
  }

  std::filesystem::path dir_;
  std::string url_;
  SystemClock clock_;
  RedisClientPtr client_;
  OutageGatePtr gate_;
  std::unique_ptr<RedisPresenceStore> redis_presence_;
  std::unique_ptr<RedisIdempotencyStore> redis_idempotency_;
  std::unique_ptr<FallbackPresenceStore> presence_;
  std::unique_ptr<FallbackIdempotencyStore> idempotency_;
};

TEST_F(RedisOutageTest, KeepsServingWhileRedisIsDownAndUsesItAgainAfterwards) {
  redis_presence_ = std::make_unique<RedisPresenceStore>(client_);
  redis_idempotency_ = std::make_unique<RedisIdempotencyStore>(client_, 600s);
  auto fence = std::make_shared<CacheFence>(gate_, [this] { return redis_presence_->advance_epoch(); });
  presence_ = std::make_unique<FallbackPresenceStore>(*redis_presence_, gate_, fence);
  idempotency_ = std::make_unique<FallbackIdempotencyStore>(*redis_idempotency_, gate_, 10000, 600s);
  const std::string customer = unique_id("outage");
  int request = 0;

  ASSERT_TRUE(identify_like(customer, "table-1", ++request));
  ASSERT_EQ(zone_of(redis_presence_->load(customer).value()), "table-1");
  EXPECT_EQ(presence_->fallbacks(), 0u);

  testing::stop_redis(dir_);
  // Requests keep succeeding from local state, and none stalls: a down
  // Redis costs at most one failed probe per back-off period.
  auto slowest = std::chrono::steady_clock::duration::zero();
  const auto outage_started = std::chrono::steady_clock::now();
  int during_outage = 0;
  while (std::chrono::steady_clock::now() - outage_started < 1s) {
    const auto started = std::chrono::steady_clock::now();
    auto done = identify_like(customer, "table-2", ++request);
    ASSERT_TRUE(done) << done.error().message;
    slowest = std::max(slowest, std::chrono::steady_clock::now() - started);
    ++during_outage;
  }
  EXPECT_TRUE(gate_->degraded());
  EXPECT_EQ(gate_->outages(), 1u);
  EXPECT_GT(presence_->fallbacks(), 0u);
  EXPECT_GT(idempotency_->fallbacks(), 0u);
  EXPECT_LT(slowest, 150ms);
  EXPECT_GT(during_outage, 100);
  EXPECT_EQ(zone_of(presence_->load(customer).value()), "table-2");

  // Same data dir, so the same port: clients find it where they left it.
  ASSERT_EQ(testing::start_redis(dir_), url_);
  const auto restarted = std::chrono::steady_clock::now();
  while (gate_->degraded() && std::chrono::steady_clock::now() - restarted < 3s) {
    ASSERT_TRUE(identify_like(customer, "table-3", ++request));
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(gate_->degraded()) << "did not go back to Redis";
  // Writes during the outage went around Redis: its generation moved on
  // once, so nothing it confirmed before is trusted any more.
  auto generation = connect(url_)->command({"GET", keys::epoch_of(customer)});
  ASSERT_TRUE(generation);
  EXPECT_EQ(generation->str, "1");
  const auto recovery = std::chrono::steady_clock::now() - restarted;
  EXPECT_LT(recovery, 1s);
  std::cout << "redis outage: " << during_outage << " requests in 1 s, slowest "
            << std::chrono::duration_cast<std::chrono::microseconds>(slowest).count() << " us; back on Redis after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(recovery).count() << " ms\n";

  // Written after recovery: in Redis itself (the restarted server started
  // empty, so anything there was written after recovery).
  const std::uint64_t fallbacks = presence_->fallbacks();
  ASSERT_TRUE(identify_like(customer, "table-4", ++request));
  EXPECT_EQ(presence_->fallbacks(), fallbacks);
  RedisPresenceStore direct(connect(url_));
  auto in_redis = direct.load(customer);
  ASSERT_TRUE(in_redis) << in_redis.error().message;
  EXPECT_EQ(zone_of(*in_redis), "table-4");
  RedisIdempotencyStore direct_idempotency(connect(url_), 600s);
  auto remembered = direct_idempotency.find(customer, customer + "\n" + std::to_string(request));
  ASSERT_TRUE(remembered);
  EXPECT_TRUE(*remembered);
}

TEST_F(RedisOutageTest, AQuickRestartBetweenTwoCommandsIsNotAnOutage) {
  // One pooled connection, opened before the restart: the server closed it,
  // and the client must notice on first use and reconnect, not report Redis
  // down (nor die of SIGPIPE writing to it).
  auto single = RedisClient::create(url_, RedisClientOptions{100ms, 100ms, 1});
  ASSERT_TRUE(single);
  RedisPresenceStore store(*single);
  const std::string customer = unique_id("restart");
  ASSERT_TRUE(store.save(customer, at_zone({}, "table-1")));
  testing::stop_redis(dir_);
  ASSERT_EQ(testing::start_redis(dir_), url_);
  auto loaded = store.load(customer);  // the restarted server is empty
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->version, 0u);
  auto saved = store.save(customer, at_zone(*loaded, "table-2"));  // and has no script cached
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(zone_of(store.load(customer).value()), "table-2");
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
