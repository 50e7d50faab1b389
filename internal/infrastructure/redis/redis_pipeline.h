#pragma once

// One Redis connection shared by every thread that calls it, with the
// commands of concurrent callers written together (auto-pipelining): while
// one caller waits for a reply, others' commands queue up and go out in the
// next write, and their replies come back in one read. On loopback a round
// trip is mostly kernel time (a send, a wake-up of Redis, a receive, a
// wake-up of the caller); shared, it is paid once per batch instead of once
// per request, by Redis as well as by us.
//
// No I/O thread: the caller whose commands are oldest drives the connection
// (writes what is queued, reads replies and hands each to its caller, in
// order); when its own replies are in, it passes the connection to the next
// waiting caller. Replies are matched to callers by order, which Redis
// keeps per connection.
//
// A connection that fails (closed, reset, no reply within the command
// timeout) fails every caller whose commands were on it with kUnavailable;
// the next caller connects again. A caller whose commands met a connection
// that had been serving and was found closed or reset (Redis restarted while
// the connection idled) is retried once on a fresh one, as the commands here
// are safe to send twice (RedisClient::pipeline).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "infrastructure/redis/redis_client.h"

struct redisContext;

namespace tastesync::infrastructure::redis {

class RedisPipeline {
 public:
  RedisPipeline(RedisEndpoint endpoint, std::chrono::milliseconds connect_timeout,
                std::chrono::milliseconds command_timeout);
  ~RedisPipeline();
  RedisPipeline(const RedisPipeline&) = delete;
  RedisPipeline& operator=(const RedisPipeline&) = delete;

  // Sends `commands` (none empty) and returns their replies in order, error
  // replies as values; kUnavailable when the connection fails. `names` only
  // labels error messages.
  domain::Result<std::vector<RedisReply>> exchange(std::span<const std::span<const std::string_view>> commands,
                                                   std::string_view names);

  // For tests and the performance notes: connections opened, and writes
  // made (a write may carry many callers' commands).
  std::uint64_t connections() const;
  std::uint64_t writes() const;
  // Callers waiting now (written or queued), for tests.
  std::size_t waiting() const;

 private:
  struct Caller;
  // Runs with `lock` held on entry and exit; drops it around I/O.
  void drive(std::unique_lock<std::mutex>& lock, Caller& me);
  domain::Result<redisContext*> connect() const;
  // Fails the callers whose commands were written (and, when nothing can be
  // sent at all, the queued ones too), then forgets the connection.
  void fail_connection(const std::string& detail, bool stale, bool queued_too);

  const RedisEndpoint endpoint_;
  const std::chrono::milliseconds connect_timeout_;
  const std::chrono::milliseconds command_timeout_;

  mutable std::mutex mutex_;
  std::string outgoing_;             // formatted commands not written yet
  std::deque<Caller*> queued_;       // their callers, oldest first
  std::deque<Caller*> written_;      // callers whose commands are on the wire, in reply order
  bool driving_ = false;             // someone owns the connection's I/O
  redisContext* context_ = nullptr;  // touched by the driver only (and the destructor)
  bool served_ = false;              // this connection has delivered a reply
  std::uint64_t connections_ = 0;
  std::uint64_t writes_ = 0;
};

}  // namespace tastesync::infrastructure::redis
