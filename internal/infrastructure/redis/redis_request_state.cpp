#include "infrastructure/redis/redis_request_state.h"

#include <array>
#include <span>
#include <string_view>
#include <utility>

#include "infrastructure/redis/redis_presence_store.h"
#include "infrastructure/redis/reply_codec.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

// kPresenceCasLua (KEYS[1..2], ARGV[1..6]), then the reply: KEYS[3] its key,
// ARGV[7] the encoded reply, ARGV[8] its TTL in seconds (first writer wins).
constexpr std::string_view kRememberReplyLua = R"lua(
redis.call('SET', KEYS[3], ARGV[7], 'NX', 'EX', ARGV[8])
return 1
)lua";

const RedisScript& commit_script() {
  static const RedisScript script(std::string(kPresenceCasLua) + std::string(kRememberReplyLua));
  return script;
}

}  // namespace

RedisRequestState::RedisRequestState(RedisClientPtr client, const RedisPresenceStore& presence,
                                     const RedisIdempotencyStore& idempotency)
    : client_(std::move(client)), presence_ttl_ms_(presence.ttl_ms()), reply_ttl_seconds_(idempotency.ttl_seconds()) {}

domain::Result<application::RequestState> RedisRequestState::begin(const std::string& customer_id,
                                                                   const std::string& idempotency_key) {
  const std::string reply_key = RedisIdempotencyStore::key_for(idempotency_key);
  const std::string presence_key = RedisPresenceStore::key_for(customer_id);
  const std::array<std::string_view, 2> get{"GET", reply_key};
  const std::array<std::string_view, 4> hmget{"HMGET", presence_key, "v", "r"};
  const std::array<std::span<const std::string_view>, 2> commands{get, hmget};
  auto replies = client_->pipeline(commands);
  if (!replies) return std::unexpected(replies.error());
  if (replies->size() != 2) return fail(ErrorCode::kInternal, "redis GET+HMGET: unexpected number of replies");
  auto remembered = RedisIdempotencyStore::remembered_from_reply((*replies)[0]);
  if (!remembered) return std::unexpected(remembered.error());
  if (*remembered) return application::RequestState{std::move(*remembered), {}};
  auto record = RedisPresenceStore::record_from_reply(customer_id, (*replies)[1]);
  if (!record) return std::unexpected(record.error());
  return application::RequestState{std::move(*remembered), std::move(*record)};
}

domain::Result<void> RedisRequestState::commit(const std::string& customer_id, const domain::PresenceRecord& record,
                                               const std::string& idempotency_key,
                                               const application::RememberedReply& reply) {
  auto presence = RedisPresenceStore::save_arguments(record);
  if (!presence) return std::unexpected(presence.error());
  auto value = encode_reply(reply);
  if (!value) return std::unexpected(value.error());
  const std::string presence_key = RedisPresenceStore::key_for(customer_id);
  const std::string reply_key = RedisIdempotencyStore::key_for(idempotency_key);
  const std::array<std::string_view, 3> keys{presence_key, RedisPresenceStore::kLastSeenKey, reply_key};
  const std::array<std::string_view, 8> args{presence->expected_version,
                                             presence->next_version,
                                             presence->value,
                                             presence_ttl_ms_,
                                             presence->last_seen_ms,
                                             customer_id,
                                             *value,
                                             reply_ttl_seconds_};
  auto result = client_->eval(commit_script(), keys, args);
  if (!result) return std::unexpected(result.error());
  if (result->is_error()) return std::unexpected(error_from_reply(*result, "identify commit"));
  if (result->type != RedisReply::Type::kInteger) {
    return fail(ErrorCode::kInternal, "redis identify commit: unexpected reply type");
  }
  if (result->integer == 0) {
    return fail(ErrorCode::kAborted, "presence of customer changed concurrently; retry");
  }
  return {};
}

}  // namespace tastesync::infrastructure::redis
