#pragma once

// One Redis connection shared by every thread that calls it, with the
// commands of concurrent callers written together (auto-pipelining): while
// one caller waits for a reply, others' commands queue up and go out in the
// next write, and their replies come back in one read. On loopback a round
// trip is mostly kernel time (a send, a wake-up of Redis, a receive, a
// wake-up of the caller); shared, it is paid once per batch instead of once
// per request, by Redis as well as by us.
//
// The caller whose commands are oldest drives the connection (writes what
// is queued, reads replies and hands each to its caller, in order); when its
// own replies are in, it passes the connection to the next waiting caller.
// Replies are matched to callers by order, which Redis keeps per connection.
//
// A caller that must not block (send_later: Identify's common case, started
// on gRPC's own thread) leaves its commands and a function to call with the
// replies. Whoever drives calls it, so nobody is woken per reply; when only
// such callers wait, the connection's own thread drives (started on the
// first send_later), woken once per batch, not per command.
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
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "domain/error.h"
#include "infrastructure/redis/redis_client.h"

struct redisContext;

namespace tastesync::infrastructure::redis {

class RedisPipeline {
 public:
  // At most `max_later` send_later calls wait at once.
  RedisPipeline(RedisEndpoint endpoint, std::chrono::milliseconds connect_timeout,
                std::chrono::milliseconds command_timeout, std::size_t max_later = 1024);
  ~RedisPipeline();
  RedisPipeline(const RedisPipeline&) = delete;
  RedisPipeline& operator=(const RedisPipeline&) = delete;

  // Sends `commands` (none empty) and returns their replies in order, error
  // replies as values; kUnavailable when the connection fails. `names` only
  // labels error messages.
  domain::Result<std::vector<RedisReply>> exchange(std::span<const std::span<const std::string_view>> commands,
                                                   std::string_view names);

  // The replies of a send_later, or the error exchange() would return.
  using Delivery = std::function<void(domain::Result<std::vector<RedisReply>>)>;
  // exchange() without waiting: `done` is called once, on the thread that
  // reads the replies (never this one), with what exchange() would have
  // returned. `done` must not block: an exchange() on this connection from
  // inside it fails at once (kInternal) rather than wait for itself. false, and `done` is not called, when the commands
  // cannot be formatted or `max_later` calls are already waiting: the caller then uses exchange().
  bool send_later(std::span<const std::span<const std::string_view>> commands, std::string_view names, Delivery done);

  // For tests and the performance notes: connections opened, and writes
  // made (a write may carry many callers' commands).
  std::uint64_t connections() const;
  std::uint64_t writes() const;
  // Callers waiting now (written or queued), for tests.
  std::size_t waiting() const;

 private:
  struct Caller;
  // Runs with `lock` held on entry and exit; drops it around I/O and around
  // deliveries. Drives until `me` is done, or with no `me` (the connection's
  // thread) until nobody waits.
  void drive(std::unique_lock<std::mutex>& lock, Caller* me);
  domain::Result<redisContext*> connect() const;
  // Fails the callers whose commands were written (and, when nothing can be
  // sent at all, the queued ones too), then forgets the connection. Returns
  // the send_later callers it failed, to be delivered without the lock; a
  // send_later caller that meets a stale connection is queued again instead,
  // once, as exchange() retries.
  std::vector<Caller*> fail_connection(const std::string& detail, bool stale, bool queued_too);
  // After a driver stops: the next waiting caller takes the connection over.
  void hand_over();
  // Calls a send_later caller's function (without the lock) and frees it.
  void deliver(Caller* caller);
  void drive_later_calls();  // the connection's thread
  std::string describe(std::string_view names, const std::string& detail) const;

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

  const std::size_t max_later_;
  std::size_t later_waiting_ = 0;     // send_later calls not delivered yet
  bool later_driver_wanted_ = false;  // only send_later callers wait, nobody drives
  bool stopping_ = false;
  std::condition_variable later_driver_wake_;
  std::thread later_driver_;  // started on the first send_later
};

}  // namespace tastesync::infrastructure::redis
