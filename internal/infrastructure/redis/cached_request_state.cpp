#include "infrastructure/redis/cached_request_state.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "infrastructure/redis/presence_codec.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

// The record as a read from Redis would return it right after the write:
// through the codec (which rounds the zone belief), the version the script
// set, the hold at millisecond precision, confirmed only if it was stored
// so. The next request then computes exactly what it would from Redis.
std::optional<domain::PresenceRecord> as_stored(const domain::PresenceRecord& written, bool confirmed) {
  auto value = encode_presence(written);
  if (!value) return std::nullopt;
  auto stored = decode_presence(*value);
  if (!stored) return std::nullopt;
  stored->version = written.version + 1;
  stored->cache_epoch = written.cache_epoch;
  const auto hold_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(written.ledger_hold_until.time_since_epoch());
  stored->ledger_hold_until = domain::Timestamp(std::max(hold_ms, std::chrono::milliseconds(0)));
  stored->confirmed = written.confirmed && confirmed;
  return std::move(*stored);
}

}  // namespace

CachedRequestState::CachedRequestState(RedisRequestState& redis, PresenceCache& cache, OutageGate& gate)
    : redis_(redis), cache_(cache), gate_(gate) {}

domain::Result<application::RequestState> CachedRequestState::begin(const std::string& customer_id,
                                                                    const std::string& idempotency_key) {
  if (!gate_.degraded()) {
    if (auto copy = cache_.take(customer_id, gate_.outages())) {
      return application::RequestState{std::nullopt, std::move(*copy)};
    }
  }
  return redis_.begin(customer_id, idempotency_key);
}

domain::Result<void> CachedRequestState::commit(const std::string& customer_id, const domain::PresenceRecord& record,
                                                const std::string& idempotency_key,
                                                const application::RememberedReply& reply) {
  // The outage count before the write: a copy kept under it is refused once
  // an outage begins, even one that began while this write was under way.
  const std::uint64_t outages = gate_.outages();
  const auto read_from =
      cache_.lent(customer_id) ? RedisRequestState::ReadFrom::kLocalCopy : RedisRequestState::ReadFrom::kRedis;
  return settle(customer_id, record, read_from, outages,
                redis_.commit_from(customer_id, record, idempotency_key, reply, read_from));
}

std::optional<application::RequestState> CachedRequestState::lend(const std::string& customer_id,
                                                                  const std::string& idempotency_key) {
  (void)idempotency_key;  // the copy's write checks for an answer (kLocalCopy)
  if (gate_.degraded() || !redis_.commits_later()) return std::nullopt;
  auto copy = cache_.take(customer_id, gate_.outages());
  if (!copy) return std::nullopt;
  return application::RequestState{std::nullopt, std::move(*copy)};
}

bool CachedRequestState::begin_later(const std::string& customer_id, const std::string& idempotency_key,
                                     BeginOutcome done) {
  if (gate_.degraded() || !redis_.commits_later()) return false;
  return redis_.begin_later(customer_id, idempotency_key, std::move(done));
}

bool CachedRequestState::commit_later(const std::string& customer_id, const domain::PresenceRecord& record,
                                      const std::string& idempotency_key, const application::RememberedReply& reply,
                                      CommitOutcome done) {
  const std::uint64_t outages = gate_.outages();
  (void)cache_.lent(customer_id);  // this write knows where its record came from
  constexpr auto kCopy = RedisRequestState::ReadFrom::kLocalCopy;
  return redis_.commit_later_from(
      customer_id, record, idempotency_key, reply, kCopy,
      [this, customer_id, record, outages, done = std::move(done)](domain::Result<RedisRequestState::Committed> got) {
        done(settle(customer_id, record, kCopy, outages, std::move(got)));
      });
}

domain::Result<void> CachedRequestState::settle(const std::string& customer_id, const domain::PresenceRecord& record,
                                                RedisRequestState::ReadFrom read_from, std::uint64_t outages,
                                                domain::Result<RedisRequestState::Committed> committed) {
  if (!committed) {
    if (read_from == RedisRequestState::ReadFrom::kLocalCopy && committed.error().code == ErrorCode::kUnavailable) {
      // The copy was only as good as the write that checks it, and that
      // write did not happen. Passing the outage on would have the fallback
      // store the copy locally and answer from it, however old it is; so the
      // outage is reported here and the use case starts over, from the local
      // state, which it checks against the ledger.
      gate_.primary_failed(committed.error(), "request_state.commit");
      return fail(ErrorCode::kAborted, "redis unavailable while checking this instance's copy; starting over");
    }
    return std::unexpected(committed.error());
  }
  if (*committed == RedisRequestState::Committed::kAnswered) {
    // A retry whose first answer is in Redis: nothing was written, and the
    // use case's next try reads it (no copy is lent now).
    return fail(ErrorCode::kAborted, "request already answered; its answer is read next");
  }
  if (auto kept = as_stored(record, *committed == RedisRequestState::Committed::kStored)) {
    cache_.keep(customer_id, std::move(*kept), outages);
  }
  return {};
}

}  // namespace tastesync::infrastructure::redis
