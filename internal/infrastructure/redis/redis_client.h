#pragma once

// A small synchronous Redis client over hiredis. Every call blocks its
// thread until the reply is in (a loopback command costs tens of
// microseconds), but the calls of concurrent threads share connections and
// are written and read together (redis_pipeline.h), so a busy server pays
// one round trip per batch, not per request. Every failure is a value
// (domain::Error); nothing throws.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"

namespace tastesync::infrastructure::redis {

struct RedisEndpoint {
  std::string host;
  int port = 6379;
  int db = 0;
};

// redis://host[:port][/db]; host may be an IPv6 literal in brackets.
domain::Result<RedisEndpoint> parse_redis_url(std::string_view url);

// A reply copied out of hiredis, so callers never touch its memory.
struct RedisReply {
  enum class Type { kString, kStatus, kInteger, kNil, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
};

// A Lua script for RedisClient::eval: run by its SHA-1, sent in full only
// when Redis does not know it (after a restart or SCRIPT FLUSH).
class RedisScript {
 public:
  explicit RedisScript(std::string_view source);
  std::string_view source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

struct RedisClientOptions {
  // Bounds how long a request can stall on an unreachable or stuck Redis.
  std::chrono::milliseconds connect_timeout{100};
  std::chrono::milliseconds command_timeout{100};
  // Connections; concurrent callers are spread over them and pipelined on each.
  std::size_t pool_size = 4;
};

class RedisPipeline;
class RedisCluster;

class RedisClient {
 public:
  // Parses the URL; connects lazily, so a Redis that is down at start does
  // not stop the service from starting. Fails only on a malformed URL
  // (kInvalidArgument).
  static domain::Result<std::shared_ptr<RedisClient>> create(const std::string& url, RedisClientOptions options = {});
  // A client of a Redis Cluster: `nodes` is the seed list, host:port[,host:port...]
  // (redis.cluster_nodes), any of which can give the slot map; commands are
  // routed by their key's slot (redis_cluster.h). Fails only on a malformed list.
  static domain::Result<std::shared_ptr<RedisClient>> create_cluster(std::string_view nodes,
                                                                     RedisClientOptions options = {});
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command, binary-safe. Error replies from the server are values
  // (RedisReply::kError), so callers can react to e.g. NOSCRIPT; connection
  // failures and timeouts are kUnavailable.
  domain::Result<RedisReply> raw(std::span<const std::string_view> args);
  // As raw(), but an error reply is an Error too: kUnavailable for the
  // transient ones (LOADING, BUSY, READONLY, ...), kInternal otherwise.
  domain::Result<RedisReply> command(std::span<const std::string_view> args);
  domain::Result<RedisReply> command(std::initializer_list<std::string_view> args) {
    return command(std::span<const std::string_view>(args.begin(), args.size()));
  }

  // Sends all `commands` on one connection before reading any reply: one
  // round trip. Replies come back in order, error replies as values (as
  // raw()); a connection failure fails the whole call (kUnavailable). Only
  // for commands that are safe to send twice (see raw()).
  domain::Result<std::vector<RedisReply>> pipeline(std::span<const std::span<const std::string_view>> commands);

  // EVALSHA, falling back to EVAL on NOSCRIPT; `keys` then `args` as the
  // script reads them. Error replies are values, as with raw().
  domain::Result<RedisReply> eval(const RedisScript& script, std::span<const std::string_view> keys,
                                  std::span<const std::string_view> args);

  // pipeline() without waiting (RedisPipeline::send_later): `done` gets the
  // replies, or the connection's error, on another thread. false, and `done`
  // is not called, on a cluster or when too many such calls wait. Every such
  // call goes to one connection: its thread then reads more replies per
  // wake-up (measured: four connections, one thread each, cost more CPU per
  // call).
  using PipelineDelivery = std::function<void(domain::Result<std::vector<RedisReply>>)>;
  bool pipeline_later(std::span<const std::span<const std::string_view>> commands, PipelineDelivery done);

  // EVALSHA without waiting (pipeline_later): `done` gets the
  // reply, or the connection's error, on another thread. A Redis that has
  // forgotten the script answers NOSCRIPT here (no EVAL follows): the caller
  // then uses eval(), which loads it. false, and `done` is not called, on a
  // cluster or when too many such calls wait.
  using EvalDelivery = std::function<void(domain::Result<RedisReply>)>;
  bool eval_later(const RedisScript& script, std::span<const std::string_view> keys,
                  std::span<const std::string_view> args, EvalDelivery done);
  // Whether pipeline_later and eval_later can be used at all (a single Redis).
  bool evaluates_later() const { return cluster_ == nullptr; }

  domain::Result<void> ping();
  // For readiness probes.
  bool redis_reachable() { return ping().has_value(); }

  // The server (a cluster: its first seed).
  const RedisEndpoint& endpoint() const { return endpoint_; }
  // The cluster router, or nullptr for a single Redis.
  RedisCluster* cluster() const { return cluster_.get(); }
  // Writes made and connections opened so far (tests, performance notes).
  std::uint64_t writes() const;
  std::uint64_t connections_opened() const;

 private:
  RedisClient(RedisEndpoint endpoint, RedisClientOptions options);
  RedisClient(std::vector<RedisEndpoint> seeds, RedisClientOptions options);

  RedisEndpoint endpoint_;
  RedisClientOptions options_;
  std::vector<std::unique_ptr<RedisPipeline>> connections_;
  std::atomic<std::size_t> next_connection_{0};
  std::unique_ptr<RedisCluster> cluster_;  // set: routed over a cluster, connections_ unused
};

using RedisClientPtr = std::shared_ptr<RedisClient>;

// The Error for an error reply (see RedisClient::command).
domain::Error error_from_reply(const RedisReply& reply, std::string_view context);

}  // namespace tastesync::infrastructure::redis
