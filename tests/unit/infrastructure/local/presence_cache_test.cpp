#include "infrastructure/local/presence_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace tastesync::infrastructure {
namespace {

domain::PresenceRecord seated_at(const std::string& table, std::uint64_t version) {
  domain::PresenceRecord record;
  record.version = version;
  record.confirmed = true;
  domain::Presence presence;
  presence.visit_id = "visit-1";
  presence.store_id = "demo-bistro";
  presence.zone_id = table;
  record.presence = presence;
  return record;
}

TEST(PresenceCacheTest, LendsTheKeptCopyOnceAndRemembersItWasLent) {
  PresenceCache cache(100);
  cache.keep("alice", seated_at("table-3", 7), 0);

  auto copy = cache.take("alice", 0);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->version, 7u);
  EXPECT_EQ(copy->presence->zone_id, "table-3");
  // Lent to one request only: a second take (another try of the same
  // request, say) reads Redis.
  EXPECT_FALSE(cache.take("alice", 0));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST(PresenceCacheTest, TheWriteLearnsWhetherItsRecordCameFromTheCopy) {
  PresenceCache cache(100);
  cache.keep("alice", seated_at("table-3", 7), 0);
  ASSERT_TRUE(cache.take("alice", 0));
  EXPECT_TRUE(cache.lent("alice"));
  EXPECT_FALSE(cache.lent("alice"));  // the marker is consumed

  // A customer whose take missed: the write is an ordinary one.
  EXPECT_FALSE(cache.take("bob", 0));
  EXPECT_FALSE(cache.lent("bob"));
}

TEST(PresenceCacheTest, ACopyFromBeforeAnOutageIsNeverLent) {
  PresenceCache cache(100);
  cache.keep("alice", seated_at("table-3", 7), 2);
  EXPECT_FALSE(cache.take("alice", 3));
  // Nor later under its own count: it was dropped.
  EXPECT_FALSE(cache.take("alice", 2));
}

TEST(PresenceCacheTest, KeepReplacesTheCopyWithTheNewerRecord) {
  PresenceCache cache(100);
  cache.keep("alice", seated_at("table-3", 7), 0);
  cache.keep("alice", seated_at("table-4", 8), 0);
  auto copy = cache.take("alice", 0);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->version, 8u);
  EXPECT_EQ(copy->presence->zone_id, "table-4");
}

TEST(PresenceCacheTest, ZeroCapacityKeepsNothing) {
  PresenceCache cache(0);
  cache.keep("alice", seated_at("table-3", 7), 0);
  EXPECT_FALSE(cache.take("alice", 0));
  EXPECT_FALSE(cache.lent("alice"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PresenceCacheTest, StaysNearItsCapacityAndNeverDropsALentCopysMarker) {
  PresenceCache cache(64);
  cache.keep("alice", seated_at("table-3", 7), 0);
  ASSERT_TRUE(cache.take("alice", 0));
  for (int i = 0; i < 1000; ++i) cache.keep("guest-" + std::to_string(i), seated_at("table-1", 1), 0);
  // 16 shards of 4: each may hold one lent marker beyond its share.
  EXPECT_LE(cache.size(), 64u + 1u);
  EXPECT_TRUE(cache.lent("alice"));
}

TEST(PresenceCacheTest, ConcurrentCustomersEachGetTheirOwnCopy) {
  PresenceCache cache(10'000);
  std::vector<std::thread> waiters;
  for (int t = 0; t < 4; ++t) {
    waiters.emplace_back([&cache, t] {
      for (std::uint64_t round = 1; round <= 200; ++round) {
        for (int c = 0; c < 10; ++c) {
          const std::string customer = "guest-" + std::to_string(t) + "-" + std::to_string(c);
          auto copy = cache.take(customer, 0);
          if (round > 1) {
            ASSERT_TRUE(copy);
            ASSERT_EQ(copy->version, round - 1);
          }
          ASSERT_EQ(cache.lent(customer), round > 1);
          cache.keep(customer, seated_at("table-" + std::to_string(t), round), 0);
        }
      }
    });
  }
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(cache.size(), 40u);
}

}  // namespace
}  // namespace tastesync::infrastructure
