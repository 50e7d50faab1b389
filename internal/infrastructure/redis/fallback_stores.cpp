#include "infrastructure/redis/fallback_stores.h"

#include <algorithm>
#include <utility>

#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;

bool is_outage(const domain::Error& error) { return error.code == ErrorCode::kUnavailable; }

// Writes `record` whatever version `store` holds now: see fallback_stores.h
// for when that is right. A writer slipping in between still gets kAborted.
// What is written over is never vouched for, and a ledger hold it carried
// outlives the write.
domain::Result<void> save_over(application::PresenceStorePort& store, const std::string& customer_id,
                               domain::PresenceRecord record) {
  auto current = store.load(customer_id);
  if (!current) return std::unexpected(current.error());
  record.version = current->version;
  record.confirmed = false;
  record.ledger_hold_until = std::max(record.ledger_hold_until, current->ledger_hold_until);
  return store.save(customer_id, record);
}

}  // namespace

CacheFence::CacheFence(OutageGatePtr gate, Advance advance) : gate_(std::move(gate)), advance_(std::move(advance)) {}

bool CacheFence::settled(std::uint64_t ticket) {
  const std::uint64_t outages = gate_->outages();
  if (ticket == outages) return true;
  std::scoped_lock lock(mutex_);
  if (fenced_outages_.load(std::memory_order_acquire) != outages && advance_()) {
    fenced_outages_.store(outages, std::memory_order_release);
  }
  return false;
}

FallbackPresenceStore::FallbackPresenceStore(application::PresenceStorePort& primary, OutageGatePtr gate,
                                             CacheFencePtr fence)
    : primary_(primary),
      gate_(std::move(gate)),
      fence_(std::move(fence)),
      local_(std::make_shared<InMemoryPresenceStore>()) {}

std::shared_ptr<InMemoryPresenceStore> FallbackPresenceStore::local_for_outage() {
  const std::uint64_t outage = gate_->outages();
  if (local_outage_.load(std::memory_order_acquire) != outage) {
    std::scoped_lock lock(local_mutex_);
    if (local_outage_.load(std::memory_order_acquire) != outage) {
      local_.store(std::make_shared<InMemoryPresenceStore>(), std::memory_order_release);
      local_outage_.store(outage, std::memory_order_release);
    }
  }
  return local_.load(std::memory_order_acquire);
}

domain::Result<domain::PresenceRecord> FallbackPresenceStore::load(const std::string& customer_id) {
  if (gate_->should_try_primary()) {
    const std::uint64_t ticket = fence_->ticket();
    auto loaded = primary_.load(customer_id);
    if (loaded || !is_outage(loaded.error())) {
      if (loaded) {
        gate_->primary_succeeded();
        if (!fence_->settled(ticket)) loaded->confirmed = false;
      }
      return loaded;
    }
    gate_->primary_failed(loaded.error(), "presence.load");
  }
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  auto loaded = local_for_outage()->load(customer_id);
  if (loaded) {
    loaded->version |= kLocalVersionBit;
    loaded->confirmed = false;  // a local copy may be behind the ledger
  }
  return loaded;
}

domain::Result<void> FallbackPresenceStore::save(const std::string& customer_id, const domain::PresenceRecord& record) {
  const bool read_locally = (record.version & kLocalVersionBit) != 0;
  if (gate_->should_try_primary()) {
    auto saved = read_locally ? save_over(primary_, customer_id, record) : primary_.save(customer_id, record);
    if (saved || !is_outage(saved.error())) {
      if (saved) gate_->primary_succeeded();
      return saved;
    }
    gate_->primary_failed(saved.error(), "presence.save");
  }
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  const std::shared_ptr<InMemoryPresenceStore> local = local_for_outage();
  domain::Result<void> saved;
  if (read_locally) {
    domain::PresenceRecord local_record = record;
    local_record.version &= ~kLocalVersionBit;
    saved = local->save(customer_id, local_record);
  } else {
    saved = save_over(*local, customer_id, record);
  }
  // A hold kept only here announces a ledger change other instances cannot
  // see: Redis may well be out of reach from here alone (a reply that came
  // late), and they would go on trusting the record it holds. So Redis is
  // told once, whatever its version; if it cannot be (out of reach for
  // everyone), every instance is in this mode and fences on recovery.
  if (saved && !record.confirmed && record.ledger_hold_until != domain::Timestamp{}) {
    if (auto told = primary_.distrust(customer_id, record.ledger_hold_until); !told) {
      log::warn("redis.distrust_failed", {{"error", told.error().message}});
    }
  }
  return saved;
}

FallbackIdempotencyStore::FallbackIdempotencyStore(application::IdempotencyStorePort& primary, OutageGatePtr gate,
                                                   std::size_t local_capacity, std::chrono::seconds ttl)
    : primary_(primary), gate_(std::move(gate)), local_(local_capacity, ttl, gate_->clock()) {}

domain::Result<std::optional<application::RememberedReply>> FallbackIdempotencyStore::find(
    const std::string& customer_id, const std::string& key) const {
  if (gate_->should_try_primary()) {
    auto found = primary_.find(customer_id, key);
    if (found || !is_outage(found.error())) {
      if (!found) return found;
      gate_->primary_succeeded();
      if (*found) return found;
      return find_after_primary_miss(customer_id, key);
    }
    gate_->primary_failed(found.error(), "idempotency.find");
  }
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  return local_.find(customer_id, key);
}

domain::Result<std::optional<application::RememberedReply>> FallbackIdempotencyStore::find_after_primary_miss(
    const std::string& customer_id, const std::string& key) const {
  if (!local_used_.load(std::memory_order_acquire)) return std::optional<application::RememberedReply>{};
  return local_.find(customer_id, key);
}

domain::Result<void> FallbackIdempotencyStore::remember(const std::string& customer_id, const std::string& key,
                                                        const application::RememberedReply& reply) {
  if (gate_->should_try_primary()) {
    auto kept = primary_.remember(customer_id, key, reply);
    if (kept || !is_outage(kept.error())) {
      if (kept) gate_->primary_succeeded();
      return kept;
    }
    gate_->primary_failed(kept.error(), "idempotency.remember");
  }
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  local_used_.store(true, std::memory_order_release);
  return local_.remember(customer_id, key, reply);
}

FallbackRequestState::FallbackRequestState(application::RequestStatePort& primary, FallbackPresenceStore& presence,
                                           FallbackIdempotencyStore& idempotency, OutageGatePtr gate,
                                           CacheFencePtr fence)
    : primary_(primary),
      idempotency_(idempotency),
      gate_(std::move(gate)),
      fence_(std::move(fence)),
      degraded_(presence, idempotency) {}

domain::Result<application::RequestState> FallbackRequestState::begin(const std::string& customer_id,
                                                                      const std::string& idempotency_key) {
  if (gate_->should_try_primary()) {
    const std::uint64_t ticket = fence_->ticket();
    auto begun = primary_.begin(customer_id, idempotency_key);
    if (begun || !is_outage(begun.error())) {
      if (!begun) return begun;
      gate_->primary_succeeded();
      return with_local_state(customer_id, idempotency_key, fence_->settled(ticket), std::move(*begun));
    }
    gate_->primary_failed(begun.error(), "request_state.begin");
  }
  return degraded_.begin(customer_id, idempotency_key);
}

domain::Result<void> FallbackRequestState::commit(const std::string& customer_id, const domain::PresenceRecord& record,
                                                  const std::string& idempotency_key,
                                                  const application::RememberedReply& reply) {
  const bool read_locally = (record.version & FallbackPresenceStore::kLocalVersionBit) != 0;
  if (!read_locally && gate_->should_try_primary()) {
    auto committed = primary_.commit(customer_id, record, idempotency_key, reply);
    if (committed || !is_outage(committed.error())) {
      if (committed) gate_->primary_succeeded();
      return committed;
    }
    gate_->primary_failed(committed.error(), "request_state.commit");
  }
  return degraded_.commit(customer_id, record, idempotency_key, reply);
}

std::optional<application::RequestState> FallbackRequestState::lend(const std::string& customer_id,
                                                                    const std::string& idempotency_key) {
  if (gate_->degraded()) return std::nullopt;
  const std::uint64_t ticket = fence_->ticket();
  auto lent = primary_.lend(customer_id, idempotency_key);
  if (!lent) return std::nullopt;
  // Not fenced here: lend() must not block (settled() may make a round trip).
  auto state = with_local_state(customer_id, idempotency_key, fence_->settled_already(ticket), std::move(*lent));
  if (!state || state->remembered) return std::nullopt;  // begin() answers it
  return std::move(*state);
}

bool FallbackRequestState::begin_later(const std::string& customer_id, const std::string& idempotency_key,
                                       BeginOutcome done) {
  if (gate_->degraded()) return false;
  const std::uint64_t ticket = fence_->ticket();
  return primary_.begin_later(
      customer_id, idempotency_key,
      [this, customer_id, idempotency_key, ticket,
       done = std::move(done)](domain::Result<application::RequestState> begun) {
        if (!begun) return done(std::move(begun));
        done(with_local_state(customer_id, idempotency_key, fence_->settled_already(ticket), std::move(*begun)));
      });
}

domain::Result<application::RequestState> FallbackRequestState::with_local_state(const std::string& customer_id,
                                                                                 const std::string& idempotency_key,
                                                                                 bool settled,
                                                                                 application::RequestState begun) {
  if (begun.remembered) return begun;
  if (!settled) begun.record.confirmed = false;
  auto local = idempotency_.find_after_primary_miss(customer_id, idempotency_key);
  if (!local) return std::unexpected(local.error());
  // Answered during the outage: the record is not needed (see the port).
  if (*local) return application::RequestState{std::move(*local), {}};
  return begun;
}

bool FallbackRequestState::commit_later(const std::string& customer_id, const domain::PresenceRecord& record,
                                        const std::string& idempotency_key, const application::RememberedReply& reply,
                                        CommitOutcome done) {
  const bool read_locally = (record.version & FallbackPresenceStore::kLocalVersionBit) != 0;
  if (read_locally || gate_->degraded()) return false;
  // An outage is reported by the primary (a copy's write that finds Redis
  // away starts over, see CachedRequestState); a success closes nothing
  // here, since the gate was not degraded when this began.
  return primary_.commit_later(customer_id, record, idempotency_key, reply, std::move(done));
}

}  // namespace tastesync::infrastructure::redis
