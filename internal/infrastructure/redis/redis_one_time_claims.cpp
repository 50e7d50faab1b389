#include "infrastructure/redis/redis_one_time_claims.h"

#include <algorithm>
#include <utility>

namespace tastesync::infrastructure::redis {

RedisOneTimeClaims::RedisOneTimeClaims(RedisClientPtr client) : client_(std::move(client)) {}

domain::Result<std::string> RedisOneTimeClaims::claim(const std::string& key, const std::string& holder,
                                                      std::chrono::seconds ttl) {
  const std::string seconds = std::to_string(std::max<long long>(ttl.count(), 1));
  // nil: the key was free and is now ours; a string: the earlier holder.
  auto reply = client_->command({"SET", key_for(key), holder, "NX", "GET", "EX", seconds});
  if (!reply) return std::unexpected(reply.error());
  if (reply->is_nil()) return holder;
  if (reply->type != RedisReply::Type::kString) {
    return domain::fail(domain::ErrorCode::kInternal, "redis SET NX GET of a one-time claim: unexpected reply type");
  }
  return std::move(reply->str);
}

}  // namespace tastesync::infrastructure::redis
