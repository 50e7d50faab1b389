// The last-seen index in Redis (a sorted set per customer bucket): written by
// RedisPresenceStore's save script, read and conditionally forgotten by
// RedisLastSeenIndex. Against a redis-server of its own, so the index holds
// only this test's customers.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "infrastructure/redis/key_layout.h"
#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_last_seen_index.h"
#include "infrastructure/redis/redis_presence_store.h"
#include "integration/local_servers.h"

namespace tastesync::infrastructure::redis {
namespace {

using namespace std::chrono_literals;

const domain::Timestamp kT0{std::chrono::milliseconds(1'735'689'600'000)};

domain::PresenceRecord seen(domain::PresenceRecord record, domain::Timestamp at) {
  domain::Presence presence;
  presence.visit_id = "visit-1";
  presence.store_id = "store-1";
  presence.zone_id = "table-1";
  presence.zone_kind = domain::ZoneKind::kTable;
  presence.visit_started_at = at;
  presence.zone_since = at;
  presence.last_seen = at;
  record.presence = presence;
  return record;
}

class LastSeenIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_server_dir("last-seen");
    auto client = RedisClient::create(testing::start_redis(dir_));
    ASSERT_TRUE(client) << client.error().message;
    client_ = *client;
  }
  void TearDown() override {
    testing::stop_redis(dir_);
    std::filesystem::remove_all(dir_);
  }
  // The member's score, or "" when absent.
  std::string score_of(const std::string& customer) {
    auto reply = client_->command({"ZSCORE", keys::last_seen_of(customer), customer});
    EXPECT_TRUE(reply) << reply.error().message;
    return reply && !reply->is_nil() ? reply->str : std::string{};
  }
  static std::string millis(domain::Timestamp at) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
  }

  std::filesystem::path dir_;
  RedisClientPtr client_;
};

TEST_F(LastSeenIndexTest, SavingPresenceMaintainsTheIndex) {
  RedisPresenceStore store(client_);
  ASSERT_TRUE(store.save("alice", seen({}, kT0)));
  EXPECT_EQ(score_of("alice"), millis(kT0));

  auto loaded = store.load("alice").value();
  ASSERT_TRUE(store.save("alice", seen(loaded, kT0 + 90s)));
  EXPECT_EQ(score_of("alice"), millis(kT0 + 90s));

  // A save that loses its compare-and-set writes nothing, index included.
  auto lost = store.save("alice", seen(loaded, kT0 + 500s));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, domain::ErrorCode::kAborted);
  EXPECT_EQ(score_of("alice"), millis(kT0 + 90s));

  // No presence (the customer left): out of the index.
  domain::PresenceRecord cleared;
  cleared.version = store.load("alice")->version;
  ASSERT_TRUE(store.save("alice", cleared));
  EXPECT_EQ(score_of("alice"), "");
}

TEST_F(LastSeenIndexTest, StaleListsTheSilentOldestFirst) {
  RedisPresenceStore store(client_);
  RedisLastSeenIndex index(client_);
  ASSERT_TRUE(store.save("carol", seen({}, kT0 + 30s)));
  ASSERT_TRUE(store.save("alice", seen({}, kT0)));
  ASSERT_TRUE(store.save("bob", seen({}, kT0 + 10s)));
  EXPECT_EQ(index.stale(kT0 + 10s, 100).value(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(index.stale(kT0 + 1h, 2).value(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(index.stale(kT0 - 1s, 100)->empty());
}

TEST_F(LastSeenIndexTest, TheOldestAcrossBucketsComeFirst) {
  // alice, bob and carol hash to different buckets; stale() merges them.
  ASSERT_NE(keys::bucket_of("alice"), keys::bucket_of("bob"));
  ASSERT_NE(keys::bucket_of("bob"), keys::bucket_of("carol"));
  RedisLastSeenIndex index(client_);
  ASSERT_TRUE(index.touch("carol", kT0));
  ASSERT_TRUE(index.touch("alice", kT0 + 20s));
  ASSERT_TRUE(index.touch("bob", kT0 + 10s));
  EXPECT_EQ(index.stale(kT0 + 1h, 2).value(), (std::vector<std::string>{"carol", "bob"}));
}

TEST_F(LastSeenIndexTest, AnIndexFromBeforeBucketsIsMovedIntoThem) {
  // As a single Redis written by the previous release holds it.
  ASSERT_TRUE(client_->command({"ZADD", keys::kUnbucketedLastSeen, millis(kT0), "alice", millis(kT0), "bob"}));
  RedisLastSeenIndex index(client_);
  // Bob was seen again by the new release meanwhile: the newer time stays.
  ASSERT_TRUE(index.touch("bob", kT0 + 1min));

  EXPECT_EQ(index.adopt_unbucketed().value(), 2u);
  EXPECT_EQ(score_of("alice"), millis(kT0));
  EXPECT_EQ(score_of("bob"), millis(kT0 + 1min));
  EXPECT_EQ(client_->command({"EXISTS", keys::kUnbucketedLastSeen})->integer, 0);
  EXPECT_EQ(index.stale(kT0 + 10s, 10).value(), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(index.adopt_unbucketed().value(), 0u);
}

TEST_F(LastSeenIndexTest, ForgetKeepsACustomerSeenAgainMeanwhile) {
  RedisPresenceStore store(client_);
  RedisLastSeenIndex index(client_);
  ASSERT_TRUE(store.save("alice", seen({}, kT0)));
  ASSERT_TRUE(store.save("bob", seen({}, kT0)));
  const domain::Timestamp cutoff = kT0 + 10min;
  ASSERT_EQ(index.stale(cutoff, 10)->size(), 2u);

  // Bob is seen again after the sweep listed him.
  auto bob = store.load("bob").value();
  ASSERT_TRUE(store.save("bob", seen(bob, cutoff + 1s)));

  ASSERT_TRUE(index.forget("alice", cutoff));
  ASSERT_TRUE(index.forget("bob", cutoff));
  ASSERT_TRUE(index.forget("nobody", cutoff));
  EXPECT_EQ(score_of("alice"), "");
  EXPECT_EQ(score_of("bob"), millis(cutoff + 1s));
}

TEST_F(LastSeenIndexTest, TouchNeverMovesATimeBack) {
  RedisLastSeenIndex index(client_);
  ASSERT_TRUE(index.touch("alice", kT0 + 5s));
  ASSERT_TRUE(index.touch("alice", kT0));
  EXPECT_EQ(score_of("alice"), millis(kT0 + 5s));
}

TEST_F(LastSeenIndexTest, AnUnreachableRedisIsUnavailable) {
  testing::stop_redis(dir_);
  RedisLastSeenIndex index(client_);
  auto stale = index.stale(kT0, 10);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, domain::ErrorCode::kUnavailable);
  testing::start_redis(dir_);  // for TearDown
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
