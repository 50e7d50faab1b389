#pragma once

// Degraded mode: when Redis is unavailable the service keeps answering from
// local in-memory state, and goes back to Redis by itself once it answers.
// Only kUnavailable counts as an outage; every other error (kAborted from a
// lost compare-and-set, kInternal from a corrupt value) passes through.
//
// Versions. The stores' versions are unrelated counters, so a version read
// from one store means nothing to the other. Records read from the local
// store carry kLocalVersionBit; save() looks at it:
//  - read from Redis, saved while degraded: written into the local store
//    unconditionally (its current local version is taken).
//  - read locally, saved while degraded: a normal compare-and-set locally.
//  - read locally, saved after recovery: written into Redis
//    unconditionally (read its version, compare-and-set on that; a
//    concurrent writer still yields kAborted, which the caller retries).
//  - read from Redis, saved into Redis: the normal compare-and-set.
// Overwriting is sound because presence is derived state: the PostgreSQL
// visit ledger has already arbitrated any transition before presence is
// saved (the use case does the same on its own kAborted retry).
// The local store is replaced by an empty one at the start of each outage:
// what it held from an earlier outage is older than what Redis has since
// seen, and this bounds its memory (it has no TTL of its own).
//
// Trust. A record read locally is never confirmed (the use case checks it
// against the ledger), and a record written over Redis from a local read is
// stored unconfirmed, keeping any ledger hold Redis had. Transitions made
// while Redis was out of reach went to the ledger alone, so after an outage
// the first successful call advances the cache generation (CacheFence)
// before anything read from Redis is trusted again.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "application/ports/idempotency_store_port.h"
#include "application/ports/presence_store_port.h"
#include "application/ports/request_state_port.h"
#include "infrastructure/local/composite_request_state.h"
#include "infrastructure/local/local_stores.h"
#include "infrastructure/redis/outage_gate.h"

namespace tastesync::infrastructure::redis {

using OutageGatePtr = std::shared_ptr<OutageGate>;

// Advances the cache generation once after each outage the gate saw, so
// records confirmed before it are not trusted after it.
class CacheFence {
 public:
  using Advance = std::function<domain::Result<void>()>;
  CacheFence(OutageGatePtr gate, Advance advance);
  // Taken before a read from Redis: how many outages were fenced off then.
  std::uint64_t ticket() const { return fenced_outages_.load(std::memory_order_acquire); }
  // After a successful read from Redis that began with `ticket`: true when
  // what it said can be trusted, false when every outage had not been
  // fenced off before the read began (this call fences if nobody has yet).
  // The read must have begun after the fence: another request may finish
  // advancing the generation while this read, sent before the increments,
  // is still on its way, and the record it brings is then the old one.
  bool settled(std::uint64_t ticket);
  // settled() without fencing, for a caller that must not block (it runs on
  // a Redis connection's own thread, where fencing's round trip would wait
  // for the very thread making it): false also when nobody has fenced yet,
  // and then a blocking caller's settled() fences.
  bool settled_already(std::uint64_t ticket) const { return ticket == gate_->outages(); }

 private:
  OutageGatePtr gate_;
  Advance advance_;
  std::mutex mutex_;
  std::atomic<std::uint64_t> fenced_outages_{0};
};
using CacheFencePtr = std::shared_ptr<CacheFence>;

class FallbackPresenceStore final : public application::PresenceStorePort {
 public:
  static constexpr std::uint64_t kLocalVersionBit = std::uint64_t{1} << 63;

  // `primary` must outlive this store.
  FallbackPresenceStore(application::PresenceStorePort& primary, OutageGatePtr gate, CacheFencePtr fence);

  domain::Result<domain::PresenceRecord> load(const std::string& customer_id) override;
  domain::Result<void> save(const std::string& customer_id, const domain::PresenceRecord& record) override;

  // Operations served locally because the primary was unavailable.
  std::uint64_t fallbacks() const { return fallbacks_.load(std::memory_order_relaxed); }
  const OutageGate& gate() const { return *gate_; }

 private:
  std::shared_ptr<InMemoryPresenceStore> local_for_outage();

  application::PresenceStorePort& primary_;
  OutageGatePtr gate_;
  CacheFencePtr fence_;
  std::mutex local_mutex_;  // guards replacing local_
  std::atomic<std::shared_ptr<InMemoryPresenceStore>> local_;
  std::atomic<std::uint64_t> local_outage_{0};  // the outage local_ belongs to
  std::atomic<std::uint64_t> fallbacks_{0};
};

// Remembered answers: while degraded they are kept locally; after recovery
// a miss in Redis still consults the local store, so a retry of a request
// answered during the outage gets its first answer again.
class FallbackIdempotencyStore final : public application::IdempotencyStorePort {
 public:
  // `primary` and the gate's clock must outlive this store; the local store
  // keeps up to `local_capacity` answers for `ttl`.
  FallbackIdempotencyStore(application::IdempotencyStorePort& primary, OutageGatePtr gate, std::size_t local_capacity,
                           std::chrono::seconds ttl);

  domain::Result<std::optional<application::RememberedReply>> find(const std::string& customer_id,
                                                                   const std::string& key) const override;
  domain::Result<void> remember(const std::string& customer_id, const std::string& key,
                                const application::RememberedReply& reply) override;

  std::uint64_t fallbacks() const { return fallbacks_.load(std::memory_order_relaxed); }
  const OutageGate& gate() const { return *gate_; }

  // After the primary answered "not remembered": the answer kept locally
  // during an outage, if any (what find() does after such a miss).
  domain::Result<std::optional<application::RememberedReply>> find_after_primary_miss(const std::string& customer_id,
                                                                                      const std::string& key) const;

 private:
  application::IdempotencyStorePort& primary_;
  OutageGatePtr gate_;
  InMemoryIdempotencyStore local_;
  std::atomic<bool> local_used_{false};  // skip the local lookup until it holds anything
  mutable std::atomic<std::uint64_t> fallbacks_{0};
};

// The batched per-request port (RedisRequestState) with the same degraded
// mode, over the same local state as the two stores above: while the gate
// says Redis is away (or a call finds it so) begin and commit go through
// those stores, so the version-bit rules above hold unchanged, and a rebase
// or a retry through the separate stores sees what was written here.
//  - begin from Redis: as IdempotencyStore::find, a miss still consults the
//    answers kept locally during an outage.
//  - commit of a record read locally (kLocalVersionBit): through the stores
//    (their "written over" rule), even if Redis is back; rare, so the extra
//    round trips do not matter.
class FallbackRequestState final : public application::RequestStatePort {
 public:
  // `primary`, `presence` and `idempotency` must outlive this; `gate` is the
  // one the two stores use.
  FallbackRequestState(application::RequestStatePort& primary, FallbackPresenceStore& presence,
                       FallbackIdempotencyStore& idempotency, OutageGatePtr gate, CacheFencePtr fence);

  domain::Result<application::RequestState> begin(const std::string& customer_id,
                                                  const std::string& idempotency_key) override;
  domain::Result<void> commit(const std::string& customer_id, const domain::PresenceRecord& record,
                              const std::string& idempotency_key, const application::RememberedReply& reply) override;
  // Only while Redis is in use (never to probe it): the primary's copy, with
  // begin()'s fence and outage checks; a request answered during an outage
  // lends nothing (begin() answers it).
  std::optional<application::RequestState> lend(const std::string& customer_id,
                                                const std::string& idempotency_key) override;
  // The primary's begin_later, with what begin() adds to a primary's read
  // (an answer kept locally during an outage, a record unconfirmed when an
  // outage's fence is not settled: never fenced here, as the outcome
  // arrives on a Redis connection's thread); nothing while the gate is
  // degraded. A failed read is passed on as it is: the caller then uses
  // begin(), which reports an outage.
  bool begin_later(const std::string& customer_id, const std::string& idempotency_key, BeginOutcome done) override;
  bool commit_later(const std::string& customer_id, const domain::PresenceRecord& record,
                    const std::string& idempotency_key, const application::RememberedReply& reply,
                    CommitOutcome done) override;

 private:
  // What the primary read, with what only this instance knows: an answer
  // kept locally during an outage, and whether every outage was fenced
  // before the read began (`settled`, from CacheFence; unconfirmed if not).
  domain::Result<application::RequestState> with_local_state(const std::string& customer_id,
                                                             const std::string& idempotency_key, bool settled,
                                                             application::RequestState begun);

  application::RequestStatePort& primary_;
  FallbackIdempotencyStore& idempotency_;
  OutageGatePtr gate_;
  CacheFencePtr fence_;
  CompositeRequestState degraded_;  // over the two fallback stores
};

}  // namespace tastesync::infrastructure::redis
