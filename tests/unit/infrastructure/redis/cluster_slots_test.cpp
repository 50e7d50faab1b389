#include "infrastructure/redis/cluster_slots.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "infrastructure/redis/key_layout.h"

namespace tastesync::infrastructure::redis {
namespace {

TEST(ClusterSlots, Crc16IsXmodem) {
  // The check value of CRC-16/XMODEM, as in the Redis Cluster specification.
  EXPECT_EQ(crc16_xmodem("123456789"), 0x31C3);
  EXPECT_EQ(crc16_xmodem(""), 0);
}

TEST(ClusterSlots, KeysHashAsRedisDoes) {
  // Each value read from a Redis 7.0 cluster with CLUSTER KEYSLOT.
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("bar"), 5061);
  EXPECT_EQ(key_slot("hello"), 866);
  EXPECT_EQ(key_slot("{user1000}.following"), 3443);
  EXPECT_EQ(key_slot("{}"), 15257);
  EXPECT_EQ(key_slot("a{b"), 13340);
}

TEST(ClusterSlots, OnlyTheFirstNonEmptyTagCounts) {
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
  // An empty tag: the whole key is hashed.
  EXPECT_EQ(key_slot("foo{}{bar}"), 8363);
  // The tag ends at the first '}' after the first '{'.
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("foo{{bar}}zap"), 4015);
}

TEST(ClusterSlots, ACustomersKeysShareOneSlot) {
  const std::string customer = "cust-7f3a";
  const auto slot = key_slot(keys::presence(customer));
  EXPECT_EQ(key_slot(keys::last_seen_of(customer)), slot);
  EXPECT_EQ(key_slot(keys::epoch_of(customer)), slot);
  EXPECT_EQ(key_slot(keys::identify_answer(customer, customer + "\nrequest-1")), slot);
  // A client-chosen request id with braces does not move the answer.
  EXPECT_EQ(key_slot(keys::identify_answer(customer, customer + "\n{other}")), slot);
  EXPECT_NE(key_slot(keys::presence("cust-0001")), key_slot(keys::presence("cust-0002")));
}

TEST(ClusterSlots, CommandsRouteByTheirFirstKey) {
  const std::array<std::string_view, 3> get{"GET", "k1", "ignored"};
  EXPECT_EQ(routing_key(get), "k1");
  const std::array<std::string_view, 6> evalsha{"EVALSHA", "abc", "2", "k1", "k2", "arg"};
  EXPECT_EQ(routing_key(evalsha), "k1");
  const std::array<std::string_view, 4> no_keys{"eval", "return 1", "0", "arg"};
  EXPECT_EQ(routing_key(no_keys), std::nullopt);
  const std::array<std::string_view, 1> ping{"PING"};
  EXPECT_EQ(routing_key(ping), std::nullopt);
  const std::array<std::string_view, 2> slots{"CLUSTER", "SLOTS"};
  EXPECT_EQ(routing_key(slots), std::nullopt);
}

TEST(ClusterSlots, RedirectsAreRead) {
  auto moved = parse_redirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved);
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->address, "127.0.0.1:6381");
  auto ask = parse_redirect("ASK 12182 ::1:7000");
  ASSERT_TRUE(ask);
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->address, "::1:7000");
  EXPECT_FALSE(parse_redirect("ERR wrong number of arguments"));
  EXPECT_FALSE(parse_redirect("MOVED 16384 127.0.0.1:1"));
  EXPECT_FALSE(parse_redirect("MOVED x 127.0.0.1:1"));
  EXPECT_FALSE(parse_redirect("MOVED 1 127.0.0.1"));
  EXPECT_FALSE(parse_redirect("MOVED 1"));
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
