#pragma once

// Routing over a Redis Cluster, for RedisClient: each command goes to the
// master that owns its key's slot (cluster_slots.h), over that node's own
// auto-pipelined connections (redis_pipeline.h).
//
// The slot map comes from CLUSTER SLOTS, asked of any node we know (the seeds
// first time). It is refreshed when a node answers MOVED (the slot moved for
// good: the command is sent again to the new owner at once), when a node
// cannot be reached (a fail-over: its replica is promoted and the map says
// so once the cluster has agreed), and on CLUSTERDOWN/TRYAGAIN (the cluster
// is re-forming); those last two, and connection failures, are retried after
// a short backoff that doubles, a bounded number of times, then the call
// fails with kUnavailable like any Redis outage. ASK (a slot half-way through
// a migration) sends the one command to the named node after ASKING, once,
// without touching the map.
//
// A pipeline whose commands live on different nodes is split per node and
// the replies put back in order (only for reads and single-key writes: there
// is no atomicity across slots, and key_layout.h keeps every script within
// one slot).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/error.h"
#include "infrastructure/redis/redis_client.h"

namespace tastesync::infrastructure::redis {

class RedisPipeline;

// host:port,host:port (redis.cluster_nodes); at least one, ports 1..65535.
domain::Result<std::vector<RedisEndpoint>> parse_cluster_nodes(std::string_view list);

class RedisCluster {
 public:
  RedisCluster(std::vector<RedisEndpoint> seeds, RedisClientOptions options);
  ~RedisCluster();
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  // As RedisPipeline::exchange, routed; redirects never reach the caller.
  domain::Result<std::vector<RedisReply>> exchange(std::span<const std::span<const std::string_view>> commands,
                                                   std::string_view names);

  // Reads the slot map again now (also done by itself, see above).
  domain::Result<void> refresh();

  std::uint64_t writes() const;
  std::uint64_t connections_opened() const;
  // Slot maps read so far (tests: a MOVED causes one).
  std::uint64_t refreshes() const { return refreshes_.load(); }

 private:
  struct Node;
  Node& node(const std::string& address);
  // The node owning `slot`, or "" when the map has no owner for it.
  std::string owner(std::uint16_t slot) const;
  domain::Result<std::vector<RedisReply>> send_to(const std::string& address,
                                                  std::span<const std::span<const std::string_view>> commands,
                                                  std::string_view names);
  domain::Result<void> refresh_from(const std::string& address);

  const std::vector<RedisEndpoint> seeds_;
  const RedisClientOptions options_;

  mutable std::shared_mutex map_mutex_;
  std::vector<std::string> slot_owner_;  // kClusterSlots entries, "" unknown
  std::unordered_map<std::string, std::unique_ptr<Node>> nodes_;

  std::mutex refresh_mutex_;  // one refresh at a time; the others use its result
  std::atomic<std::uint64_t> refreshes_{0};
};

}  // namespace tastesync::infrastructure::redis
