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
#include <future>
#include <mutex>
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

// Replies of calls that do not wait, as they arrive.
struct Deliveries {
  std::mutex mutex;
  std::vector<std::string> echoed;  // in delivery order
  std::vector<domain::Error> errors;
  std::vector<std::thread::id> threads;
  std::size_t count() {
    std::scoped_lock lock(mutex);
    return echoed.size() + errors.size();
  }
  RedisPipeline::Delivery to_note() {
    return [this](domain::Result<std::vector<RedisReply>> replies) {
      std::scoped_lock lock(mutex);
      threads.push_back(std::this_thread::get_id());
      if (!replies) {
        errors.push_back(replies.error());
      } else {
        echoed.push_back(replies->at(0).str + "|" + replies->at(1).str);
      }
    };
  }
};

bool send_later(RedisPipeline& connection, const std::string& word, Deliveries& into) {
  const std::array<std::string_view, 2> echo{"ECHO", word};
  const std::array<std::string_view, 2> echo_again{"ECHO", word};
  const std::array<std::span<const std::string_view>, 2> commands{echo, echo_again};
  return connection.send_later(commands, "ECHO+ECHO", into.to_note());
}

TEST(RedisPipelineTest, CallsThatDoNotWaitGetTheirRepliesInOrderOnAnotherThreadBesideWaitingCallers) {
  RedisPipeline connection(parse_redis_url(testing::redis_url()).value(), 1000ms, 2000ms);
  Deliveries deliveries;
  constexpr int kLater = 500;
  std::atomic<int> waiting_failures{0};
  // Callers that wait share the connection meanwhile (and may drive it).
  std::thread waiter([&] {
    for (int call = 0; call < 200; ++call) {
      auto replies = send(connection, {"ECHO", "waiter-" + std::to_string(call)});
      if (!replies || replies->at(0).str != "waiter-" + std::to_string(call)) ++waiting_failures;
    }
  });
  for (int call = 0; call < kLater; ++call) {
    ASSERT_TRUE(send_later(connection, "course-" + std::to_string(call), deliveries));
  }
  waiter.join();
  ASSERT_TRUE(eventually([&] { return deliveries.count() == kLater; }));
  EXPECT_EQ(waiting_failures.load(), 0);
  std::scoped_lock lock(deliveries.mutex);
  EXPECT_TRUE(deliveries.errors.empty());
  ASSERT_EQ(deliveries.echoed.size(), static_cast<std::size_t>(kLater));
  for (int call = 0; call < kLater; ++call) {
    const std::string word = "course-" + std::to_string(call);
    EXPECT_EQ(deliveries.echoed[static_cast<std::size_t>(call)], word + "|" + word);
  }
  // Never on the thread that sent them: that one must not block.
  for (const std::thread::id thread : deliveries.threads) EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_EQ(connection.waiting(), 0u);
}

TEST(RedisPipelineTest, ADeliveryThatWouldWaitForItsOwnConnectionFailsAtOnceInsteadOfHanging) {
  RedisPipeline connection(parse_redis_url(testing::redis_url()).value(), 1000ms, 2000ms);
  std::promise<domain::Result<std::vector<RedisReply>>> inner;
  auto inner_done = inner.get_future();
  const std::array<std::string_view, 2> echo{"ECHO", "outer"};
  const std::array<std::span<const std::string_view>, 1> commands{echo};
  ASSERT_TRUE(connection.send_later(commands, "ECHO", [&](domain::Result<std::vector<RedisReply>> outer) {
    EXPECT_TRUE(outer) << outer.error().message;
    // Blocking on the connection this delivery is being driven by.
    inner.set_value(send(connection, {"ECHO", "inner"}));
  }));
  ASSERT_EQ(inner_done.wait_for(5s), std::future_status::ready) << "the delivery waited for itself";
  const auto refused = inner_done.get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInternal);
  EXPECT_NE(refused.error().message.find("a blocking call from a delivery"), std::string::npos)
      << refused.error().message;
  // The connection still serves, on other threads as before.
  auto after = send(connection, {"ECHO", "after"});
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->at(0).str, "after");
}

TEST(RedisPipelineTest, CallsThatDoNotWaitAreRefusedBeyondTheirBound) {
  RedisPipeline connection(parse_redis_url(testing::redis_url()).value(), 1000ms, 2000ms, 0);
  Deliveries deliveries;
  EXPECT_FALSE(send_later(connection, "one too many", deliveries));
  // Refused means never delivered; the waiting path still works.
  auto replies = send(connection, {"ECHO", "still open"});
  ASSERT_TRUE(replies) << replies.error().message;
  EXPECT_EQ(deliveries.count(), 0u);
}

TEST(RedisPipelineTest, CallsThatDoNotWaitLearnThatRedisIsUnreachable) {
  // Nothing listens on the discard port of loopback.
  RedisPipeline connection(parse_redis_url("redis://127.0.0.1:9").value(), 200ms, 200ms);
  Deliveries deliveries;
  ASSERT_TRUE(send_later(connection, "anyone there", deliveries));
  ASSERT_TRUE(send_later(connection, "hello", deliveries));
  ASSERT_TRUE(eventually([&] { return deliveries.count() == 2; }));
  std::scoped_lock lock(deliveries.mutex);
  ASSERT_EQ(deliveries.errors.size(), 2u);
  for (const domain::Error& error : deliveries.errors) {
    EXPECT_EQ(error.code, ErrorCode::kUnavailable);
    EXPECT_NE(error.message.find("ECHO+ECHO"), std::string::npos) << error.message;
  }
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

TEST_F(RedisPipelineDropTest, CallsThatDoNotWaitFailWhenTheConnectionDropsUnderThem) {
  RedisPipeline connection(parse_redis_url(url_).value(), 1000ms, 10'000ms);
  // A waiting caller holds the connection in BLPOP; calls that do not wait
  // queue behind it.
  domain::Result<std::vector<RedisReply>> held;
  std::thread host([&] { held = send(connection, {"BLPOP", "cid:test:pass", "5"}); });
  ASSERT_TRUE(eventually([&] { return connection.waiting() == 1 && connection.writes() == 1; }));
  Deliveries deliveries;
  for (int call = 0; call < 5; ++call) ASSERT_TRUE(send_later(connection, "plate-" + std::to_string(call), deliveries));
  testing::stop_redis(dir_);
  host.join();
  ASSERT_TRUE(eventually([&] { return deliveries.count() == 5; }));
  {
    std::scoped_lock lock(deliveries.mutex);
    EXPECT_EQ(deliveries.errors.size(), 5u);
    for (const domain::Error& error : deliveries.errors) EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  }
  EXPECT_EQ(connection.waiting(), 0u);
  // Back: a call that does not wait connects again.
  ASSERT_EQ(testing::start_redis(dir_), url_);
  Deliveries after;
  ASSERT_TRUE(send_later(connection, "welcome back", after));
  ASSERT_TRUE(eventually([&] { return after.count() == 1; }));
  std::scoped_lock lock(after.mutex);
  ASSERT_EQ(after.echoed.size(), 1u);
  EXPECT_EQ(after.echoed[0], "welcome back|welcome back");
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
