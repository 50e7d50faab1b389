#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "application/ports/presence_store_port.h"
#include "infrastructure/redis/key_layout.h"
#include "infrastructure/redis/redis_client.h"

namespace tastesync::infrastructure::redis {

// The compare-and-set of a presence save, as the opening of a Lua script
// (callers append the rest and `return 1`). KEYS[1] the customer's hash,
// KEYS[2] the last-seen index, KEYS[3] the cache generation (kEpochKey);
// ARGV: expected version, new version, value, TTL in ms, last seen in ms
// since the epoch ("" when the record has no presence), customer id,
// "1" to confirm the record ("0" not), the generation the writer read, the
// ledger hold's end in ms ("0": none), the index step in ms (below).
// Versions are compared as strings, so Lua's doubles never round them; a
// missing key is version 0, like a customer never seen. A record is stored
// confirmed (field "e" = the generation) only if the generation has not
// moved since the writer read it. The index is written by the same script
// so it costs no extra round trip. Shared by RedisPresenceStore::save and
// RedisRequestState::commit, which write the same keys and must agree.
//
// The index step: a seated customer's phone reports every second or two, and
// re-scoring the index and renewing the TTL on every report was a fifth to a
// third of the script's time in Redis (docs/performance.md). So both are renewed only
// when the last-seen time the index holds for the customer (field "i", set
// with them) is the step or more behind this save's, or ahead of it, or
// unknown. The index then lags the record by less than a step and is never
// ahead of it: the leave sweep, which reads the record before it leaves
// anyone (LeaveDetectionUseCase::leave_if_silent), meets such a customer at
// most a step early and keeps them; nobody is missed. The TTL counts from
// the last renewal, so a record outlives its last save by between TTL - step
// and TTL. Step 0 renews on every save.
inline constexpr std::string_view kPresenceCasLua = R"lua(
local stored = redis.call('HMGET', KEYS[1], 'v', 'i')
if (stored[1] or '0') ~= ARGV[1] then return 0 end
local generation = ''
if ARGV[7] == '1' and (redis.call('GET', KEYS[3]) or '0') == ARGV[8] then generation = ARGV[8] end
if ARGV[5] == '' then
  redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3], 'e', generation, 'h', ARGV[9], 'i', '')
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('ZREM', KEYS[2], ARGV[6])
else
  local indexed = tonumber(stored[2] or '')
  local seen = tonumber(ARGV[5])
  if indexed == nil or seen < indexed or seen - indexed >= tonumber(ARGV[10]) then
    redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3], 'e', generation, 'h', ARGV[9], 'i', ARGV[5])
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
    redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
  else
    redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3], 'e', generation, 'h', ARGV[9])
  end
end
)lua";

// Presence in Redis: one hash per customer, keys::presence (key_layout.h),
// with field "v" (version, decimal), "r" (presence_codec value), "e" (the
// cache generation under which it was confirmed as the ledger's state, ""
// when not) and "h" (a ledger hold's end, ms since the epoch, "0" none).
// The generation (keys::epoch, one integer per customer bucket, missing = 0)
// is advanced after an outage (advance_epoch, every bucket): every record
// confirmed before it is unconfirmed
// from then on, since writes made while Redis was out of reach went to the
// ledger alone. Saves
// are a compare-and-set on "v" in a Lua script, so instances sharing Redis
// never overwrite each other's newer state; saves renew the TTL (at most an
// index step apart, see kPresenceCasLua), so a customer not seen for `ttl` is
// forgotten (the visit ledger in PostgreSQL
// remains the record of what happened).
//
// The same script maintains the last-seen index (application/ports/
// last_seen_port.h), the customer's bucket of it, keys::last_seen (member: customer id,
// score: presence->last_seen in ms since the epoch): a record with a presence
// is added or re-scored, one without is removed. RedisLastSeenIndex reads
// that set; it relies on this store for the writes, so the two must be given
// the same Redis. The index has no TTL: a customer whose presence expired is
// still found by leave detection.
// Redis Cluster: the script's keys share the customer's bucket tag, so they
// are in one slot.
class RedisPresenceStore final : public application::PresenceStorePort {
 public:
  static constexpr std::chrono::seconds kDefaultTtl{3600};  // the original README's policy

  // `index_step`: see kPresenceCasLua (0, the default, renews the index and
  // the TTL on every save). The server gives it index_step_for().
  explicit RedisPresenceStore(RedisClientPtr client, std::chrono::seconds ttl = kDefaultTtl,
                              std::chrono::milliseconds index_step = std::chrono::milliseconds{0});

  // A twentieth of the shorter of the time after which a silent customer
  // has left and the record's TTL: the sweep meets a customer at most 5 %
  // of leave_after early, and a record lives at least 95 % of its TTL.
  static std::chrono::milliseconds index_step_for(std::chrono::seconds leave_after, std::chrono::seconds ttl);

  domain::Result<domain::PresenceRecord> load(const std::string& customer_id) override;
  domain::Result<void> save(const std::string& customer_id, const domain::PresenceRecord& record) override;
  // One script on the presence hash: "v" incremented, "e" emptied, "h"
  // raised to `hold_until` (kept if later); a missing hash stays missing.
  domain::Result<void> distrust(const std::string& customer_id, domain::Timestamp hold_until) override;

  // Every record confirmed so far becomes unconfirmed (INCR of every
  // bucket's generation, one pipeline per node; an error leaves some
  // buckets advanced and the caller tries again, which is harmless).
  domain::Result<void> advance_epoch();

  static std::string key_for(const std::string& customer_id) { return keys::presence(customer_id); }

  // Shared with RedisRequestState, which reads and writes the same keys the
  // same way, batched with the remembered reply.
  // The commands whose replies record_from_reply reads.
  static std::array<std::string_view, 6> hmget_command(const std::string& key);
  static std::array<std::string_view, 2> epoch_command(const std::string& epoch_key);
  // The record in the replies to hmget_command and epoch_command.
  static domain::Result<domain::PresenceRecord> record_from_reply(const std::string& customer_id,
                                                                  const RedisReply& reply, const RedisReply& epoch);
  // ARGV[1..9] of the save script; KEYS are key_for(), keys::last_seen_of() and keys::epoch_of().
  struct SaveArguments {
    std::string expected_version;
    std::string next_version;
    std::string value;
    std::string last_seen_ms;  // empty: the record has no presence
    std::string confirm;       // "1" or "0"
    std::string epoch_seen;
    std::string hold_until_ms;
  };
  static domain::Result<SaveArguments> save_arguments(const domain::PresenceRecord& record);
  const std::string& ttl_ms() const { return ttl_ms_; }
  const std::string& index_step_ms() const { return index_step_ms_; }

 private:
  RedisClientPtr client_;
  std::string ttl_ms_;
  std::string index_step_ms_;
};

}  // namespace tastesync::infrastructure::redis
