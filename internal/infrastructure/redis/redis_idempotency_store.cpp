#include "infrastructure/redis/redis_idempotency_store.h"

#include <utility>

#include "infrastructure/codec/reply_codec.h"

namespace tastesync::infrastructure::redis {

using domain::ErrorCode;
using domain::fail;

RedisIdempotencyStore::RedisIdempotencyStore(RedisClientPtr client, std::chrono::seconds ttl)
    : client_(std::move(client)), ttl_seconds_(std::to_string(ttl.count() > 0 ? ttl.count() : 1)) {}

domain::Result<std::optional<application::RememberedReply>> RedisIdempotencyStore::find(const std::string& customer_id,
                                                                                        const std::string& key) const {
  auto reply = client_->command({"GET", key_for(customer_id, key)});
  if (!reply) return std::unexpected(reply.error());
  return remembered_from_reply(*reply);
}

domain::Result<std::optional<application::RememberedReply>> RedisIdempotencyStore::remembered_from_reply(
    const RedisReply& reply) {
  if (reply.is_error()) return std::unexpected(error_from_reply(reply, "GET"));
  if (reply.is_nil()) return std::optional<application::RememberedReply>{};
  if (reply.type != RedisReply::Type::kString) {
    return fail(ErrorCode::kInternal, "redis GET of a remembered reply: unexpected reply type");
  }
  auto decoded = codec::decode_reply(reply.str);
  if (!decoded) return std::unexpected(decoded.error());
  return std::optional<application::RememberedReply>{std::move(*decoded)};
}

domain::Result<void> RedisIdempotencyStore::remember(const std::string& customer_id, const std::string& key,
                                                     const application::RememberedReply& reply) {
  auto value = codec::encode_reply(reply);
  if (!value) return std::unexpected(value.error());
  // OK when stored, nil when an earlier answer is already there: both fine.
  auto stored = client_->command({"SET", key_for(customer_id, key), *value, "NX", "EX", ttl_seconds_});
  if (!stored) return std::unexpected(stored.error());
  return {};
}

}  // namespace tastesync::infrastructure::redis
