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

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "application/ports/idempotency_store_port.h"
#include "application/ports/presence_store_port.h"
#include "infrastructure/memory/in_memory_stores.h"
#include "infrastructure/redis/outage_gate.h"

namespace tastesync::infrastructure::redis {

using OutageGatePtr = std::shared_ptr<OutageGate>;

class FallbackPresenceStore final : public application::PresenceStorePort {
 public:
  static constexpr std::uint64_t kLocalVersionBit = std::uint64_t{1} << 63;

  // `primary` must outlive this store.
  FallbackPresenceStore(application::PresenceStorePort& primary, OutageGatePtr gate);

  domain::Result<domain::PresenceRecord> load(const std::string& customer_id) override;
  domain::Result<void> save(const std::string& customer_id, const domain::PresenceRecord& record) override;

  // Operations served locally because the primary was unavailable.
  std::uint64_t fallbacks() const { return fallbacks_.load(std::memory_order_relaxed); }
  const OutageGate& gate() const { return *gate_; }

 private:
  std::shared_ptr<InMemoryPresenceStore> local_for_outage();

  application::PresenceStorePort& primary_;
  OutageGatePtr gate_;
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
  FallbackIdempotencyStore(application::IdempotencyStorePort& primary, OutageGatePtr gate,
                           std::size_t local_capacity, std::chrono::seconds ttl);

  domain::Result<std::optional<application::RememberedReply>> find(const std::string& key) const override;
  domain::Result<void> remember(const std::string& key, const application::RememberedReply& reply) override;

  std::uint64_t fallbacks() const { return fallbacks_.load(std::memory_order_relaxed); }
  const OutageGate& gate() const { return *gate_; }

 private:
  application::IdempotencyStorePort& primary_;
  OutageGatePtr gate_;
  InMemoryIdempotencyStore local_;
  std::atomic<bool> local_used_{false};  // skip the local lookup until it holds anything
  mutable std::atomic<std::uint64_t> fallbacks_{0};
};

}  // namespace tastesync::infrastructure::redis
