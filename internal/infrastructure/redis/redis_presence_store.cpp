#include "infrastructure/redis/redis_presence_store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

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

// KEYS[1] the presence hash, ARGV[1] the hold's end (ms since the epoch).
constexpr std::string_view kDistrustLua = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('HSET', KEYS[1], 'e', '')
if tonumber(redis.call('HGET', KEYS[1], 'h') or '0') < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'h', ARGV[1])
end
return 1
)lua";

// The "h" field: a hold's end in ms since the epoch, "0" for none.
std::string hold_field(domain::Timestamp hold_until) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(hold_until.time_since_epoch()).count();
  return std::to_string(std::max<std::int64_t>(0, ms));
}

const RedisScript& distrust_script() {
  static const RedisScript script{kDistrustLua};
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

RedisPresenceStore::RedisPresenceStore(RedisClientPtr client, std::chrono::seconds ttl,
                                       std::chrono::milliseconds index_step)
    : client_(std::move(client)),
      ttl_ms_(std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(ttl.count() > 0 ? ttl : std::chrono::seconds(1))
              .count())),
      index_step_ms_(std::to_string(std::max<std::chrono::milliseconds::rep>(0, index_step.count()))) {}

std::chrono::milliseconds RedisPresenceStore::index_step_for(std::chrono::seconds leave_after,
                                                             std::chrono::seconds ttl) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::min(leave_after, ttl)) / 20;
}

domain::Result<domain::PresenceRecord> RedisPresenceStore::load(const std::string& customer_id) {
  const std::string key = key_for(customer_id);
  const std::string epoch_key = keys::epoch_of(customer_id);
  const auto hmget = hmget_command(key);
  const auto epoch = epoch_command(epoch_key);
  const std::array<std::span<const std::string_view>, 2> commands{hmget, epoch};
  auto replies = client_->pipeline(commands);
  if (!replies) return std::unexpected(replies.error());
  if (replies->size() != 2) return fail(ErrorCode::kInternal, "redis HMGET+GET: unexpected number of replies");
  return record_from_reply(customer_id, (*replies)[0], (*replies)[1]);
}

domain::Result<void> RedisPresenceStore::advance_epoch() {
  std::vector<std::string> epoch_keys;
  std::vector<std::array<std::string_view, 2>> increments;
  epoch_keys.reserve(keys::kCustomerBuckets);
  increments.reserve(keys::kCustomerBuckets);
  for (std::uint32_t bucket = 0; bucket < keys::kCustomerBuckets; ++bucket) {
    epoch_keys.push_back(keys::epoch(bucket));
    increments.push_back({"INCR", epoch_keys.back()});
  }
  const std::vector<std::span<const std::string_view>> commands(increments.begin(), increments.end());
  auto replies = client_->pipeline(commands);
  if (!replies) return std::unexpected(replies.error());
  for (const RedisReply& reply : *replies) {
    if (reply.is_error()) return std::unexpected(error_from_reply(reply, "INCR of the cache generation"));
  }
  return {};
}

std::array<std::string_view, 6> RedisPresenceStore::hmget_command(const std::string& key) {
  return {"HMGET", key, "v", "r", "e", "h"};
}

std::array<std::string_view, 2> RedisPresenceStore::epoch_command(const std::string& epoch_key) {
  return {"GET", epoch_key};
}

domain::Result<domain::PresenceRecord> RedisPresenceStore::record_from_reply(const std::string& customer_id,
                                                                             const RedisReply& reply,
                                                                             const RedisReply& epoch) {
  if (reply.is_error()) return std::unexpected(error_from_reply(reply, "HMGET"));
  if (epoch.is_error()) return std::unexpected(error_from_reply(epoch, "GET " + keys::epoch_of(customer_id)));
  const std::string key = key_for(customer_id);
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 4) {
    return fail(ErrorCode::kInternal, "redis HMGET " + key + ": unexpected reply shape");
  }
  std::uint64_t parsed_epoch = 0;
  if (!epoch.is_nil() && (epoch.type != RedisReply::Type::kString || !parse_version(epoch.str, parsed_epoch))) {
    return fail(ErrorCode::kInternal, "corrupt cache generation in redis at " + keys::epoch_of(customer_id));
  }
  const std::string current_epoch = std::to_string(parsed_epoch);
  const RedisReply& version = reply.elements[0];
  const RedisReply& value = reply.elements[1];
  const RedisReply& confirmed_in = reply.elements[2];
  const RedisReply& hold = reply.elements[3];
  domain::PresenceRecord fresh;
  fresh.cache_epoch = current_epoch;
  if (version.is_nil() && value.is_nil()) return fresh;
  std::uint64_t parsed_version = 0;
  if (version.type != RedisReply::Type::kString || value.type != RedisReply::Type::kString ||
      !parse_version(version.str, parsed_version)) {
    return fail(ErrorCode::kInternal, "corrupt presence record in redis at " + key + ": bad version or value");
  }
  fresh.version = parsed_version;
  // A hold we cannot read is taken as one that never lapses early: the
  // record stays unconfirmed until its writer or the TTL replaces it.
  std::uint64_t hold_ms = 0;
  if (hold.type == RedisReply::Type::kString && !parse_version(hold.str, hold_ms)) {
    hold_ms = std::numeric_limits<std::int64_t>::max() / 1000000;
  }
  fresh.ledger_hold_until = domain::Timestamp(std::chrono::milliseconds(hold_ms));
  auto record = decode_presence(value.str);
  if (!record) {
    // Presence is a cache (the visit ledger holds the truth), so a value we
    // cannot read is treated as absent and unconfirmed rather than failing
    // every request of this customer until it expires: the next save, made
    // against the stored version, replaces it.
    log::error("redis.presence_corrupt", {{"customer_id", customer_id}, {"error", record.error().message}});
    return fresh;
  }
  record->version = fresh.version;
  record->cache_epoch = fresh.cache_epoch;
  record->ledger_hold_until = fresh.ledger_hold_until;
  record->confirmed = confirmed_in.type == RedisReply::Type::kString && confirmed_in.str == current_epoch;
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
  out.confirm = record.confirmed ? "1" : "0";
  out.epoch_seen = record.cache_epoch;
  out.hold_until_ms = hold_field(record.ledger_hold_until);
  return out;
}

domain::Result<void> RedisPresenceStore::save(const std::string& customer_id, const domain::PresenceRecord& record) {
  auto arguments = save_arguments(record);
  if (!arguments) return std::unexpected(arguments.error());
  const std::string key = key_for(customer_id);
  const std::string last_seen_key = keys::last_seen_of(customer_id);
  const std::string epoch_key = keys::epoch_of(customer_id);
  const std::array<std::string_view, 3> script_keys{key, last_seen_key, epoch_key};
  const std::array<std::string_view, 10> args{arguments->expected_version,
                                              arguments->next_version,
                                              arguments->value,
                                              ttl_ms_,
                                              arguments->last_seen_ms,
                                              customer_id,
                                              arguments->confirm,
                                              arguments->epoch_seen,
                                              arguments->hold_until_ms,
                                              index_step_ms_};
  auto reply = client_->eval(save_script(), script_keys, args);
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

domain::Result<void> RedisPresenceStore::distrust(const std::string& customer_id, domain::Timestamp hold_until) {
  const std::string key = key_for(customer_id);
  const std::string until = hold_field(hold_until);
  const std::array<std::string_view, 1> script_keys{key};
  const std::array<std::string_view, 1> args{until};
  auto reply = client_->eval(distrust_script(), script_keys, args);
  if (!reply) return std::unexpected(reply.error());
  if (reply->is_error()) return std::unexpected(error_from_reply(*reply, "presence distrust"));
  return {};
}

}  // namespace tastesync::infrastructure::redis
