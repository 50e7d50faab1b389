#include "infrastructure/redis/redis_presence_store.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

#include "infrastructure/logging/json_log.h"
#include "infrastructure/redis/presence_codec.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

const RedisScript& save_script() {
  static const RedisScript script(std::string(kPresenceCasLua) + "return 1\n");
  return script;
}

bool parse_version(const std::string& text, std::uint64_t& version) {
  if (text.empty() || text.size() > 19) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return std::from_chars(text.data(), text.data() + text.size(), version).ec == std::errc{};
}

}  // namespace

RedisPresenceStore::RedisPresenceStore(RedisClientPtr client, std::chrono::seconds ttl)
    : client_(std::move(client)),
      ttl_ms_(std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(ttl.count() > 0 ? ttl : std::chrono::seconds(1))
              .count())) {}

domain::Result<domain::PresenceRecord> RedisPresenceStore::load(const std::string& customer_id) {
  auto reply = client_->command({"HMGET", key_for(customer_id), "v", "r"});
  if (!reply) return std::unexpected(reply.error());
  return record_from_reply(customer_id, *reply);
}

domain::Result<domain::PresenceRecord> RedisPresenceStore::record_from_reply(const std::string& customer_id,
                                                                             const RedisReply& reply) {
  if (reply.is_error()) return std::unexpected(error_from_reply(reply, "HMGET"));
  const std::string key = key_for(customer_id);
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2) {
    return fail(ErrorCode::kInternal, "redis HMGET " + key + ": unexpected reply shape");
  }
  const RedisReply& version = reply.elements[0];
  const RedisReply& value = reply.elements[1];
  if (version.is_nil() && value.is_nil()) return domain::PresenceRecord{};
  std::uint64_t parsed_version = 0;
  if (version.type != RedisReply::Type::kString || value.type != RedisReply::Type::kString ||
      !parse_version(version.str, parsed_version)) {
    return fail(ErrorCode::kInternal, "corrupt presence record in redis at " + key + ": bad version or value");
  }
  auto record = decode_presence(value.str);
  if (!record) {
    // Presence is derived state (the visit ledger holds the truth), so a
    // value we cannot read is treated as absent rather than failing every
    // request of this customer until it expires: the next save, made
    // against the stored version, replaces it.
    log::error("redis.presence_corrupt", {{"customer_id", customer_id}, {"error", record.error().message}});
    domain::PresenceRecord fresh;
    fresh.version = parsed_version;
    return fresh;
  }
  record->version = parsed_version;
  return record;
}

domain::Result<RedisPresenceStore::SaveArguments> RedisPresenceStore::save_arguments(
    const domain::PresenceRecord& record) {
  auto value = encode_presence(record);
  if (!value) return std::unexpected(value.error());
  SaveArguments out;
  out.expected_version = std::to_string(record.version);
  out.next_version = std::to_string(record.version + 1);
  out.value = std::move(*value);
  if (record.presence) {
    out.last_seen_ms = std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(record.presence->last_seen.time_since_epoch()).count());
  }
  return out;
}

domain::Result<void> RedisPresenceStore::save(const std::string& customer_id, const domain::PresenceRecord& record) {
  auto arguments = save_arguments(record);
  if (!arguments) return std::unexpected(arguments.error());
  const std::string key = key_for(customer_id);
  const std::array<std::string_view, 2> keys{key, kLastSeenKey};
  const std::array<std::string_view, 6> args{arguments->expected_version,
                                             arguments->next_version,
                                             arguments->value,
                                             ttl_ms_,
                                             arguments->last_seen_ms,
                                             customer_id};
  auto reply = client_->eval(save_script(), keys, args);
  if (!reply) return std::unexpected(reply.error());
  if (reply->is_error()) return std::unexpected(error_from_reply(*reply, "presence save"));
  if (reply->type != RedisReply::Type::kInteger) {
    return fail(ErrorCode::kInternal, "redis presence save: unexpected reply type");
  }
  if (reply->integer == 0) {
    return fail(ErrorCode::kAborted, "presence of customer changed concurrently; retry");
  }
  return {};
}

}  // namespace tastesync::infrastructure::redis
