#include "infrastructure/redis/redis_request_state.h"

#include <array>
#include <span>
#include <string_view>
#include <utility>

#include "infrastructure/codec/reply_codec.h"
#include "infrastructure/redis/redis_presence_store.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

// Before the compare-and-set, for a record from this instance's copy
// (ARGV[13] = "1"): what begin() checks for a record read from Redis. An
// answer already kept for the request_id wins (2: nothing written); a record
// to be confirmed (ARGV[7]) under a generation that has moved since it was
// confirmed (ARGV[8]) is not written (0, as a lost compare-and-set).
// KEYS[4] is also where RedisIdempotencyStore keeps an answer copied back
// from the ledger or stored after a failed commit, so a retry answered once
// from the ledger is never answered anew from the copy, on a cluster too.
constexpr std::string_view kLocalCopyLua = R"lua(
if ARGV[13] == '1' then
  if redis.call('EXISTS', KEYS[4]) == 1 then return 2 end
  if ARGV[7] == '1' and (redis.call('GET', KEYS[3]) or '0') ~= ARGV[8] then return 0 end
end
)lua";

// kPresenceCasLua (KEYS[1..3], ARGV[1..10]), then the reply: KEYS[4] its key,
// ARGV[11] the encoded reply, ARGV[12] its TTL in seconds (first writer
// wins). 1: stored as asked; 3: asked to confirm, stored unconfirmed.
constexpr std::string_view kRememberReplyLua = R"lua(
redis.call('SET', KEYS[4], ARGV[11], 'NX', 'EX', ARGV[12])
if ARGV[7] == '1' and generation == '' then return 3 end
return 1
)lua";

const RedisScript& commit_script() {
  static const RedisScript script(std::string(kLocalCopyLua) + std::string(kPresenceCasLua) +
                                  std::string(kRememberReplyLua));
  return script;
}

}  // namespace

RedisRequestState::RedisRequestState(RedisClientPtr client, const RedisPresenceStore& presence,
                                     const RedisIdempotencyStore& idempotency)
    : client_(std::move(client)),
      presence_ttl_ms_(presence.ttl_ms()),
      index_step_ms_(presence.index_step_ms()),
      reply_ttl_seconds_(idempotency.ttl_seconds()) {}

// begin()'s four reads: GET of the answer kept with the customer's keys and
// of one kept alone by a version before that (so retries keep their
// answers through a rolling upgrade, keys::answer_kept_alone), HMGET of the
// presence and GET of the cache generation. Holds the strings the commands
// view. On a cluster the pipeline is split by node; reads need no atomicity.
struct RedisRequestState::BeginCall {
  BeginCall(const std::string& customer_id, const std::string& idempotency_key)
      : answer_key(RedisIdempotencyStore::key_for(customer_id, idempotency_key)),
        reply_key(keys::answer_kept_alone(idempotency_key)),
        presence_key(RedisPresenceStore::key_for(customer_id)),
        epoch_key(keys::epoch_of(customer_id)),
        get_answer{"GET", answer_key},
        get_reply{"GET", reply_key},
        hmget(RedisPresenceStore::hmget_command(presence_key)),
        epoch(RedisPresenceStore::epoch_command(epoch_key)),
        commands{get_reply, get_answer, hmget, epoch} {}
  BeginCall(const BeginCall&) = delete;
  BeginCall& operator=(const BeginCall&) = delete;

  const std::string answer_key;
  const std::string reply_key;
  const std::string presence_key;
  const std::string epoch_key;
  const std::array<std::string_view, 2> get_answer;
  const std::array<std::string_view, 2> get_reply;
  const std::array<std::string_view, 6> hmget;
  const std::array<std::string_view, 2> epoch;
  const std::array<std::span<const std::string_view>, 4> commands;
};

domain::Result<application::RequestState> RedisRequestState::state_from(
    const std::string& customer_id, domain::Result<std::vector<RedisReply>> replies) {
  if (!replies) return std::unexpected(replies.error());
  if (replies->size() != 4) return fail(ErrorCode::kInternal, "redis GET+GET+HMGET+GET: unexpected number of replies");
  for (std::size_t i = 0; i < 2; ++i) {
    auto remembered = RedisIdempotencyStore::remembered_from_reply((*replies)[i]);
    if (!remembered) return std::unexpected(remembered.error());
    if (*remembered) return application::RequestState{std::move(*remembered), {}};
  }
  auto record = RedisPresenceStore::record_from_reply(customer_id, (*replies)[2], (*replies)[3]);
  if (!record) return std::unexpected(record.error());
  return application::RequestState{std::nullopt, std::move(*record)};
}

domain::Result<application::RequestState> RedisRequestState::begin(const std::string& customer_id,
                                                                   const std::string& idempotency_key) {
  const BeginCall call(customer_id, idempotency_key);
  return state_from(customer_id, client_->pipeline(call.commands));
}

bool RedisRequestState::begin_later(const std::string& customer_id, const std::string& idempotency_key,
                                    BeginOutcome done) {
  const BeginCall call(customer_id, idempotency_key);
  // The commands are formatted before pipeline_later returns, so `call` may
  // end with this function.
  return client_->pipeline_later(
      call.commands, [customer_id, done = std::move(done)](domain::Result<std::vector<RedisReply>> replies) {
        done(state_from(customer_id, std::move(replies)));
      });
}

domain::Result<void> RedisRequestState::commit(const std::string& customer_id, const domain::PresenceRecord& record,
                                               const std::string& idempotency_key,
                                               const application::RememberedReply& reply) {
  auto committed = commit_from(customer_id, record, idempotency_key, reply, ReadFrom::kRedis);
  if (!committed) return std::unexpected(committed.error());
  return {};
}

struct RedisRequestState::CommitCall {
  RedisPresenceStore::SaveArguments presence;
  std::string value;
  std::string presence_key;
  std::string last_seen_key;
  std::string epoch_key;
  std::string answer_key;
  std::array<std::string_view, 4> keys() const { return {presence_key, last_seen_key, epoch_key, answer_key}; }
};

namespace {

// What the commit script's reply means.
domain::Result<RedisRequestState::Committed> committed_from(domain::Result<RedisReply> result) {
  using Committed = RedisRequestState::Committed;
  if (!result) return std::unexpected(result.error());
  if (result->is_error()) return std::unexpected(error_from_reply(*result, "identify commit"));
  if (result->type != RedisReply::Type::kInteger) {
    return fail(ErrorCode::kInternal, "redis identify commit: unexpected reply type");
  }
  switch (result->integer) {
    case 0: return fail(ErrorCode::kAborted, "presence of customer changed concurrently; retry");
    case 1: return Committed::kStored;
    case 2: return Committed::kAnswered;
    case 3: return Committed::kStoredUnconfirmed;
    default: return fail(ErrorCode::kInternal, "redis identify commit: unexpected reply");
  }
}

}  // namespace

domain::Result<RedisRequestState::CommitCall> RedisRequestState::commit_call(
    const std::string& customer_id, const domain::PresenceRecord& record, const std::string& idempotency_key,
    const application::RememberedReply& reply) {
  auto presence = RedisPresenceStore::save_arguments(record);
  if (!presence) return std::unexpected(presence.error());
  auto value = codec::encode_reply(reply);
  if (!value) return std::unexpected(value.error());
  return CommitCall{std::move(*presence),
                    std::move(*value),
                    RedisPresenceStore::key_for(customer_id),
                    keys::last_seen_of(customer_id),
                    keys::epoch_of(customer_id),
                    RedisIdempotencyStore::key_for(customer_id, idempotency_key)};
}

std::array<std::string_view, 13> RedisRequestState::script_arguments(const CommitCall& call,
                                                                     const std::string& customer_id,
                                                                     ReadFrom read_from) const {
  return {call.presence.expected_version,
          call.presence.next_version,
          call.presence.value,
          presence_ttl_ms_,
          call.presence.last_seen_ms,
          customer_id,
          call.presence.confirm,
          call.presence.epoch_seen,
          call.presence.hold_until_ms,
          index_step_ms_,
          call.value,
          reply_ttl_seconds_,
          read_from == ReadFrom::kLocalCopy ? "1" : "0"};
}

domain::Result<RedisRequestState::Committed> RedisRequestState::commit_from(const std::string& customer_id,
                                                                            const domain::PresenceRecord& record,
                                                                            const std::string& idempotency_key,
                                                                            const application::RememberedReply& reply,
                                                                            ReadFrom read_from) {
  auto call = commit_call(customer_id, record, idempotency_key, reply);
  if (!call) return std::unexpected(call.error());
  const auto script_keys = call->keys();
  const auto args = script_arguments(*call, customer_id, read_from);
  return committed_from(client_->eval(commit_script(), script_keys, args));
}

bool RedisRequestState::commit_later_from(const std::string& customer_id, const domain::PresenceRecord& record,
                                          const std::string& idempotency_key, const application::RememberedReply& reply,
                                          ReadFrom read_from, CommittedOutcome done) {
  auto call = commit_call(customer_id, record, idempotency_key, reply);
  if (!call) return false;
  const auto script_keys = call->keys();
  const auto args = script_arguments(*call, customer_id, read_from);
  // The command is formatted before eval_later returns, so the views may
  // end with this call.
  return client_->eval_later(
      commit_script(), script_keys, args,
      [done = std::move(done)](domain::Result<RedisReply> result) { done(committed_from(std::move(result))); });
}

}  // namespace tastesync::infrastructure::redis
