#include "infrastructure/redis/redis_cluster.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <numeric>
#include <thread>
#include <utility>

#include "infrastructure/redis/cluster_slots.h"
#include "infrastructure/redis/redis_pipeline.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

// Tries per call, and the first wait between tries that wait (doubling):
// 25 + 50 + 100 + 200 + 400 ms at most, so a call gives up within about a
// second and the service's outage handling takes over; a fail-over takes
// cluster-node-timeout plus an election.
constexpr int kAttempts = 6;
constexpr std::chrono::milliseconds kFirstBackoff{25};

std::string address_of(const RedisEndpoint& endpoint) { return endpoint.host + ":" + std::to_string(endpoint.port); }

// host:port, the host possibly an IPv6 literal without brackets (as
// CLUSTER SLOTS and MOVED give it), so the port is after the last colon.
domain::Result<RedisEndpoint> endpoint_of(std::string_view address) {
  const auto colon = address.rfind(':');
  RedisEndpoint endpoint;
  if (colon == std::string_view::npos || colon == 0) {
    return fail(ErrorCode::kInvalidArgument, "redis cluster node '" + std::string(address) + "': expected host:port",
                "redis.cluster_nodes");
  }
  std::string_view host = address.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  const std::string_view port = address.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), endpoint.port);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || endpoint.port < 1 ||
      endpoint.port > 65535 || host.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "redis cluster node '" + std::string(address) + "': expected host:port with a port 1..65535",
                "redis.cluster_nodes");
  }
  endpoint.host = std::string(host);
  return endpoint;
}

bool transient_cluster_error(const std::string& error) {
  // The cluster is re-forming (a fail-over, a slot being moved), or we wrote
  // to a node that has just become a replica: ask for the map again, wait.
  return error.starts_with("TRYAGAIN") || error.starts_with("CLUSTERDOWN") || error.starts_with("READONLY") ||
         error.starts_with("MASTERDOWN");
}

constexpr std::string_view kAsking[] = {"ASKING"};

}  // namespace

domain::Result<std::vector<RedisEndpoint>> parse_cluster_nodes(std::string_view list) {
  std::vector<RedisEndpoint> nodes;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      auto endpoint = endpoint_of(item);
      if (!endpoint) return std::unexpected(endpoint.error());
      nodes.push_back(std::move(*endpoint));
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (nodes.empty()) {
    return fail(ErrorCode::kInvalidArgument, "redis.cluster_nodes: expected host:port[,host:port...]",
                "redis.cluster_nodes");
  }
  return nodes;
}

struct RedisCluster::Node {
  std::vector<std::unique_ptr<RedisPipeline>> connections;
  std::atomic<std::size_t> next{0};
};

RedisCluster::RedisCluster(std::vector<RedisEndpoint> seeds, RedisClientOptions options)
    : seeds_(std::move(seeds)), options_(options), slot_owner_(kClusterSlots) {}

RedisCluster::~RedisCluster() = default;

RedisCluster::Node& RedisCluster::node(const std::string& address) {
  {
    std::shared_lock lock(map_mutex_);
    if (const auto found = nodes_.find(address); found != nodes_.end()) return *found->second;
  }
  std::unique_lock lock(map_mutex_);
  auto& slot = nodes_[address];
  if (!slot) {
    // An address we were given by a node; endpoint_of accepts what Redis sends.
    RedisEndpoint endpoint = endpoint_of(address).value_or(RedisEndpoint{address, 0, 0});
    slot = std::make_unique<Node>();
    for (std::size_t i = 0; i < std::max<std::size_t>(options_.pool_size, 1); ++i) {
      slot->connections.push_back(
          std::make_unique<RedisPipeline>(endpoint, options_.connect_timeout, options_.command_timeout));
    }
  }
  return *slot;
}

std::string RedisCluster::owner(std::uint16_t slot) const {
  std::shared_lock lock(map_mutex_);
  return slot_owner_[slot];
}

domain::Result<std::vector<RedisReply>> RedisCluster::send_to(
    const std::string& address, std::span<const std::span<const std::string_view>> commands, std::string_view names) {
  Node& target = node(address);
  const std::size_t pick = target.next.fetch_add(1, std::memory_order_relaxed) % target.connections.size();
  return target.connections[pick]->exchange(commands, names);
}

domain::Result<void> RedisCluster::refresh() {
  const std::uint64_t seen = refreshes_.load();
  std::scoped_lock lock(refresh_mutex_);
  // Someone refreshed while we waited: their map is as new as ours would be.
  if (refreshes_.load() != seen) return {};
  std::vector<std::string> candidates;
  {
    std::shared_lock map_lock(map_mutex_);
    for (const auto& [address, unused] : nodes_) candidates.push_back(address);
  }
  for (const RedisEndpoint& seed : seeds_) {
    const std::string address = address_of(seed);
    if (std::find(candidates.begin(), candidates.end(), address) == candidates.end()) candidates.push_back(address);
  }
  domain::Error last{ErrorCode::kUnavailable, "redis cluster: no node to ask for the slot map", {}};
  for (const std::string& address : candidates) {
    auto refreshed = refresh_from(address);
    if (refreshed) return refreshed;
    last = refreshed.error();
  }
  return std::unexpected(last);
}

domain::Result<void> RedisCluster::refresh_from(const std::string& address) {
  static constexpr std::string_view kSlots[] = {"CLUSTER", "SLOTS"};
  const std::span<const std::string_view> one[] = {kSlots};
  auto replies = send_to(address, one, "CLUSTER SLOTS");
  if (!replies) return std::unexpected(replies.error());
  const RedisReply& reply = replies->front();
  if (reply.is_error()) return std::unexpected(error_from_reply(reply, "CLUSTER SLOTS"));
  const auto bad = [&address] {
    return fail(ErrorCode::kUnavailable, "redis cluster " + address + ": unexpected CLUSTER SLOTS reply");
  };
  if (reply.type != RedisReply::Type::kArray) return bad();
  const std::string asked_host = endpoint_of(address).value_or(RedisEndpoint{}).host;
  std::vector<std::string> owners(kClusterSlots);
  for (const RedisReply& range : reply.elements) {
    if (range.type != RedisReply::Type::kArray || range.elements.size() < 3) return bad();
    const RedisReply& first = range.elements[0];
    const RedisReply& last = range.elements[1];
    const RedisReply& master = range.elements[2];
    if (first.type != RedisReply::Type::kInteger || last.type != RedisReply::Type::kInteger ||
        master.type != RedisReply::Type::kArray || master.elements.size() < 2 ||
        master.elements[1].type != RedisReply::Type::kInteger || first.integer < 0 || last.integer < first.integer ||
        last.integer >= kClusterSlots) {
      return bad();
    }
    // A node that does not know its own address reports "" (or "?"): it is
    // on the host we asked.
    std::string host = master.elements[0].str;
    if (host.empty() || host == "?") host = asked_host;
    const std::string owner = host + ":" + std::to_string(master.elements[1].integer);
    for (long long slot = first.integer; slot <= last.integer; ++slot) owners[static_cast<std::size_t>(slot)] = owner;
  }
  {
    std::unique_lock lock(map_mutex_);
    slot_owner_ = std::move(owners);
  }
  refreshes_.fetch_add(1);
  return {};
}

domain::Result<std::vector<RedisReply>> RedisCluster::exchange(
    std::span<const std::span<const std::string_view>> commands, std::string_view names) {
  const std::size_t count = commands.size();
  std::vector<RedisReply> replies(count);
  std::vector<std::uint16_t> slots(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto key = routing_key(commands[i]);
    slots[i] = key ? key_slot(*key) : 0;  // a keyless command: any node will do
  }
  std::vector<std::size_t> pending(count);
  std::iota(pending.begin(), pending.end(), std::size_t{0});
  std::map<std::size_t, std::string> asking;  // command -> the node named by ASK, for one try
  domain::Error last{ErrorCode::kUnavailable, "redis cluster " + std::string(names) + ": no node answered", {}};
  bool refresh_first = false;
  auto backoff = kFirstBackoff;

  for (int attempt = 0; attempt < kAttempts && !pending.empty(); ++attempt) {
    const bool unmapped = std::any_of(pending.begin(), pending.end(),
                                      [&](std::size_t i) { return !asking.contains(i) && owner(slots[i]).empty(); });
    // A failed refresh keeps the old map: the next try may still reach a node.
    if (refresh_first || unmapped) {
      if (auto refreshed = refresh(); !refreshed) last = refreshed.error();
    }
    refresh_first = false;
    bool wait = false;
    std::map<std::string, std::vector<std::size_t>> groups;  // node -> its commands, in order
    std::vector<std::size_t> retry;
    for (const std::size_t i : pending) {
      const auto asked = asking.find(i);
      std::string target = asked != asking.end() ? asked->second : owner(slots[i]);
      if (target.empty()) {
        last = domain::Error{
            ErrorCode::kUnavailable, "redis cluster: no node serves slot " + std::to_string(slots[i]), {}};
        wait = true;
        retry.push_back(i);
        continue;
      }
      groups[target].push_back(i);
    }
    for (const auto& [address, members] : groups) {
      std::vector<std::span<const std::string_view>> batch;
      for (const std::size_t i : members) {
        if (asking.contains(i)) batch.emplace_back(kAsking);
        batch.push_back(commands[i]);
      }
      auto got = send_to(address, batch, names);
      if (!got) {
        // The node is gone or stuck: perhaps failing over. Ask the others.
        last = got.error();
        refresh_first = wait = true;
        retry.insert(retry.end(), members.begin(), members.end());
        for (const std::size_t i : members) asking.erase(i);
        continue;
      }
      std::size_t position = 0;
      for (const std::size_t i : members) {
        if (asking.erase(i) > 0) ++position;  // ASKING's own +OK
        RedisReply& reply = (*got)[position++];
        if (reply.is_error()) {
          if (auto redirect = parse_redirect(reply.str)) {
            if (redirect->address.starts_with(':')) {
              redirect->address = endpoint_of(address).value_or(RedisEndpoint{}).host + redirect->address;
            }
            if (redirect->ask) {
              asking[i] = redirect->address;
            } else {
              // Moved for good: use the new owner at once, and read the
              // whole map again (a moved slot rarely moves alone).
              std::unique_lock lock(map_mutex_);
              slot_owner_[redirect->slot] = redirect->address;
              refresh_first = true;
            }
            last = domain::Error{ErrorCode::kUnavailable, "redis cluster " + std::string(names) + ": " + reply.str, {}};
            retry.push_back(i);
            continue;
          }
          if (transient_cluster_error(reply.str)) {
            last = error_from_reply(reply, names);
            refresh_first = wait = true;
            retry.push_back(i);
            continue;
          }
        }
        replies[i] = std::move(reply);
      }
    }
    std::sort(retry.begin(), retry.end());
    pending = std::move(retry);
    if (!pending.empty() && wait && attempt + 1 < kAttempts) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  if (!pending.empty()) {
    last.code = ErrorCode::kUnavailable;
    return std::unexpected(last);
  }
  return replies;
}

std::uint64_t RedisCluster::writes() const {
  std::shared_lock lock(map_mutex_);
  std::uint64_t total = 0;
  for (const auto& [address, node] : nodes_) {
    for (const auto& connection : node->connections) total += connection->writes();
  }
  return total;
}

std::uint64_t RedisCluster::connections_opened() const {
  std::shared_lock lock(map_mutex_);
  std::uint64_t total = 0;
  for (const auto& [address, node] : nodes_) {
    for (const auto& connection : node->connections) total += connection->connections();
  }
  return total;
}

}  // namespace tastesync::infrastructure::redis
