// RedisPipeline against a real redis-server: concurrent callers' commands
// share one connection, each caller gets its own replies in order, and a
// connection lost with commands on it fails every caller waiting on it, after
// which the next call connects again.

#include "infrastructure/redis/redis_pipeline.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "infrastructure/redis/redis_client.h"
#include "integration/local_servers.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using namespace std::chrono_literals;

// Waits (bounded) until `ready` holds; the state it waits for is reached by
// other threads, not by the passing of time.
template <typename Ready>
bool eventually(Ready ready) {
  for (int i = 0; i < 1000 && !ready(); ++i) std::this_thread::sleep_for(5ms);
  return ready();
}

domain::Result<std::vector<RedisReply>> send(RedisPipeline& connection,
                                             std::initializer_list<std::string_view> command) {
  const std::span<const std::string_view> one[] = {std::span<const std::string_view>(command.begin(), command.size())};
  return connection.exchange(one, *command.begin());
}

TEST(RedisPipelineTest, ConcurrentCallersEachGetTheirOwnRepliesInOrder) {
  RedisPipeline connection(parse_redis_url(testing::redis_url()).value(), 1000ms, 2000ms);
  const std::string wrong_type = testing::unique_customer("it-pipe-string");
  ASSERT_TRUE(send(connection, {"SET", wrong_type, "not a hash"}));
  constexpr int kWaiters = 8;
  constexpr int kCalls = 300;
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> waiters;
  for (int w = 0; w < kWaiters; ++w) {
    waiters.emplace_back([&, w] {
      for (int call = 0; call < kCalls; ++call) {
        const std::string first = "table-" + std::to_string(w) + "-" + std::to_string(call);
        const std::string second = first + "-dessert";
        // Three commands per call, one an error reply, so order within a
        // call matters as much as which call a reply belongs to.
        const std::array<std::string_view, 2> echo_first{"ECHO", first};
        const std::array<std::string_view, 3> error{"HGET", wrong_type, "v"};
        const std::array<std::string_view, 2> echo_second{"ECHO", second};
        const std::array<std::span<const std::string_view>, 3> commands{echo_first, error, echo_second};
        auto replies = connection.exchange(commands, "ECHO+HGET+ECHO");
        if (!replies) {
          ++failures;
          continue;
        }
        if (replies->size() != 3 || (*replies)[0].str != first || !(*replies)[1].is_error() ||
            (*replies)[2].str != second) {
          ++mismatches;
        }
      }
    });
  }
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(connection.connections(), 1u);
  EXPECT_LE(connection.writes(), static_cast<std::uint64_t>(kWaiters * kCalls + 1));
}

class RedisPipelineDropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_server_dir("redis-pipeline");
    url_ = testing::start_redis(dir_);
    ASSERT_FALSE(url_.empty());
  }
  void TearDown() override {
    testing::stop_redis(dir_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::filesystem::path dir_;
  std::string url_;
};

TEST_F(RedisPipelineDropTest, CallersQueuedBehindABusyConnectionShareOneWriteAndAllFailWhenItDrops) {
  // Long enough for BLPOP's 5 s; the drop, not a timeout, ends the wait.
  RedisPipeline connection(parse_redis_url(url_).value(), 1000ms, 10'000ms);
  auto other = RedisClient::create(url_).value();

  // The first caller holds the connection: BLPOP waits for a push.
  domain::Result<std::vector<RedisReply>> first_guest;
  std::thread host([&] { first_guest = send(connection, {"BLPOP", "cid:test:door", "5"}); });
  ASSERT_TRUE(eventually([&] { return connection.waiting() == 1 && connection.writes() == 1; }));

  // Eight more queue up behind it: one will block the connection again,
  // seven ask for something quick.
  constexpr int kQueued = 8;
  std::vector<domain::Result<std::vector<RedisReply>>> answers(kQueued);
  std::vector<std::thread> guests;
  for (int g = 0; g < kQueued; ++g) {
    guests.emplace_back([&, g] {
      answers[static_cast<std::size_t>(g)] = g == 0 ? send(connection, {"BLPOP", "cid:test:kitchen", "5"})
                                                    : send(connection, {"ECHO", "guest-" + std::to_string(g)});
    });
    // In order, so the blocking one is written first.
    ASSERT_TRUE(eventually([&] { return connection.waiting() == static_cast<std::size_t>(g + 2); }));
  }

  // The push releases the first; the eight go out together, in one write,
  // and wait behind the second BLPOP.
  ASSERT_TRUE(other->command({"LPUSH", "cid:test:door", "a guest"}));
  host.join();
  ASSERT_TRUE(first_guest) << first_guest.error().message;
  EXPECT_EQ((*first_guest)[0].elements.at(1).str, "a guest");
  ASSERT_TRUE(eventually([&] { return connection.writes() == 2; }));
  EXPECT_EQ(connection.waiting(), static_cast<std::size_t>(kQueued));

  // Redis goes away with all eight on the wire: every one fails, none hangs.
  testing::stop_redis(dir_);
  for (std::thread& guest : guests) guest.join();
  for (const auto& answer : answers) {
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable) << answer.error().message;
  }

  // Back on the same port: the next call connects again.
  ASSERT_EQ(testing::start_redis(dir_), url_);
  auto again = send(connection, {"ECHO", "welcome back"});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)[0].str, "welcome back");
  EXPECT_GE(connection.connections(), 2u);
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
