#include "infrastructure/redis/redis_last_seen_index.h"

#include <array>
#include <chrono>
#include <string_view>
#include <utility>

#include "infrastructure/redis/redis_presence_store.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

// KEYS[1] the index; ARGV: customer id, the latest score (ms) it may have.
// Scores are integers well below 2^53, so Lua's numbers compare them exactly.
constexpr std::string_view kForgetScript = R"lua(
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
)lua";

std::string millis(domain::Timestamp at) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
}

}  // namespace

RedisLastSeenIndex::RedisLastSeenIndex(RedisClientPtr client) : client_(std::move(client)) {}

domain::Result<void> RedisLastSeenIndex::touch(const std::string& customer_id, domain::Timestamp seen_at) {
  auto reply = client_->command({"ZADD", RedisPresenceStore::kLastSeenKey, "GT", millis(seen_at), customer_id});
  if (!reply) return std::unexpected(reply.error());
  return {};
}

domain::Result<std::vector<std::string>> RedisLastSeenIndex::stale(domain::Timestamp older_than, std::size_t limit) {
  std::vector<std::string> customers;
  if (limit == 0) return customers;
  auto reply = client_->command({"ZRANGE", RedisPresenceStore::kLastSeenKey, "-inf", millis(older_than), "BYSCORE",
                                 "LIMIT", "0", std::to_string(limit)});
  if (!reply) return std::unexpected(reply.error());
  if (reply->type != RedisReply::Type::kArray) {
    return fail(ErrorCode::kInternal, "redis ZRANGE cid:last_seen: unexpected reply type");
  }
  customers.reserve(reply->elements.size());
  for (const RedisReply& member : reply->elements) {
    if (member.type != RedisReply::Type::kString) {
      return fail(ErrorCode::kInternal, "redis ZRANGE cid:last_seen: unexpected member type");
    }
    customers.push_back(member.str);
  }
  return customers;
}

domain::Result<void> RedisLastSeenIndex::forget(const std::string& customer_id, domain::Timestamp seen_at_or_before) {
  // Rare (once per leave), so plain EVAL: no script cache to manage.
  auto reply = client_->command(
      {"EVAL", kForgetScript, "1", RedisPresenceStore::kLastSeenKey, customer_id, millis(seen_at_or_before)});
  if (!reply) return std::unexpected(reply.error());
  return {};
}

}  // namespace tastesync::infrastructure::redis
