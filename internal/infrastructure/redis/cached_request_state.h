#pragma once

// RedisRequestState with this instance's copy of each customer's record in
// front of it (PresenceCache): while a customer's requests keep coming here
// (sticky routing), begin() is answered from the copy, without a round trip,
// and commit() is the one round trip of a sighting that changes nothing.
//
// Trust is unchanged (docs/design.md, "The ledger decides"): the copy is
// exactly what this instance last wrote and Redis acknowledged, confirmed or
// not as Redis stored it, so the use case asks the ledger whenever it would
// have after a read. What a read would have added is checked by the write
// (RedisRequestState::commit_from, kLocalCopy): the version compare-and-set
// catches any other writer since (another instance, the leave sweep, a
// hold), the cache generation an outage fenced off, and the reply key a
// retried request_id; each of those makes the use case start over from Redis
// (kAborted), where it finds the newer record or the first answer.
//
// Sits between FallbackRequestState and RedisRequestState, so outages are
// handled as before, with one exception: a write of a record from the copy
// that finds Redis unavailable is not passed on as an outage (the fallback
// would store the unchecked copy locally and answer from it) but reported to
// the gate and answered kAborted, so the use case starts over from the local
// state and the ledger. Copies are not lent while the gate is degraded nor
// after an outage that began since they were kept.

#include <cstdint>
#include <optional>
#include <string>

#include "application/ports/request_state_port.h"
#include "infrastructure/local/presence_cache.h"
#include "infrastructure/redis/outage_gate.h"
#include "infrastructure/redis/redis_request_state.h"

namespace tastesync::infrastructure::redis {

class CachedRequestState final : public application::RequestStatePort {
 public:
  // `redis`, `cache` and `gate` must outlive this.
  CachedRequestState(RedisRequestState& redis, PresenceCache& cache, OutageGate& gate);

  domain::Result<application::RequestState> begin(const std::string& customer_id,
                                                  const std::string& idempotency_key) override;
  domain::Result<void> commit(const std::string& customer_id, const domain::PresenceRecord& record,
                              const std::string& idempotency_key, const application::RememberedReply& reply) override;
  // The copy alone (nothing while the gate is degraded, or on a cluster,
  // where commit_later cannot be).
  std::optional<application::RequestState> lend(const std::string& customer_id,
                                                const std::string& idempotency_key) override;
  // Redis's begin_later, when commit_later can follow (not while the gate
  // is degraded, nor on a cluster). The record read is not a copy: it is
  // kept as one only once its commit is acknowledged, as after begin().
  bool begin_later(const std::string& customer_id, const std::string& idempotency_key, BeginOutcome done) override;
  // Always checked as a copy (kLocalCopy): the record comes from lend() or
  // begin_later(), and the copy's checks are a superset of what a record
  // read from Redis needs.
  bool commit_later(const std::string& customer_id, const domain::PresenceRecord& record,
                    const std::string& idempotency_key, const application::RememberedReply& reply,
                    CommitOutcome done) override;

 private:
  // What a commit's outcome means here (the copy kept, an outage reported).
  domain::Result<void> settle(const std::string& customer_id, const domain::PresenceRecord& record,
                              RedisRequestState::ReadFrom read_from, std::uint64_t outages,
                              domain::Result<RedisRequestState::Committed> committed);

  RedisRequestState& redis_;
  PresenceCache& cache_;
  OutageGate& gate_;
};

}  // namespace tastesync::infrastructure::redis
