#pragma once

// The cache (Redis) as the fallback stores see it: in-process stores that a
// test can switch off (kUnavailable, as a dead Redis answers) or make
// return corrupt data (kInternal), counting the calls that reached them.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "application/ports/clock_port.h"
#include "application/ports/idempotency_store_port.h"
#include "application/ports/presence_store_port.h"
#include "application/ports/request_state_port.h"
#include "infrastructure/local/composite_request_state.h"
#include "infrastructure/local/local_stores.h"

namespace tastesync::testing {

enum class Mode { kUp, kDown, kCorrupt };

// Stands in for Redis: an in-memory store that can be switched off.
class SwitchablePresence final : public application::PresenceStorePort {
 public:
  domain::Result<domain::PresenceRecord> load(const std::string& customer_id) override {
    ++calls;
    if (auto broken = check(); !broken) return std::unexpected(broken.error());
    return store.load(customer_id);
  }
  domain::Result<void> save(const std::string& customer_id, const domain::PresenceRecord& record) override {
    ++calls;
    if (auto broken = check(); !broken) return std::unexpected(broken.error());
    return store.save(customer_id, record);
  }
  // As Redis does it: whatever the version, unconfirmed, held, version moved.
  domain::Result<void> distrust(const std::string& customer_id, domain::Timestamp hold_until) override {
    ++calls;
    ++distrusts;
    if (auto broken = check(); !broken) return std::unexpected(broken.error());
    auto record = store.load(customer_id);
    if (!record) return std::unexpected(record.error());
    if (record->version == 0) return {};
    record->confirmed = false;
    record->ledger_hold_until = std::max(record->ledger_hold_until, hold_until);
    return store.save(customer_id, *record);
  }

  std::atomic<Mode> mode{Mode::kUp};
  std::atomic<int> calls{0};
  std::atomic<int> distrusts{0};
  infrastructure::InMemoryPresenceStore store;

 private:
  domain::Result<void> check() const {
    if (mode == Mode::kDown) return domain::fail(domain::ErrorCode::kUnavailable, "redis: connection refused");
    if (mode == Mode::kCorrupt) return domain::fail(domain::ErrorCode::kInternal, "corrupt presence record");
    return {};
  }
};

class SwitchableIdempotency final : public application::IdempotencyStorePort {
 public:
  explicit SwitchableIdempotency(const application::ClockPort& clock) : store(1000, std::chrono::hours(1), clock) {}
  domain::Result<std::optional<application::RememberedReply>> find(const std::string& customer_id,
                                                                   const std::string& key) const override {
    ++calls;
    if (mode == Mode::kDown) return domain::fail(domain::ErrorCode::kUnavailable, "redis: timeout");
    return store.find(customer_id, key);
  }
  domain::Result<void> remember(const std::string& customer_id, const std::string& key,
                                const application::RememberedReply& reply) override {
    ++calls;
    if (mode == Mode::kDown) return domain::fail(domain::ErrorCode::kUnavailable, "redis: timeout");
    return store.remember(customer_id, key, reply);
  }

  std::atomic<Mode> mode{Mode::kUp};
  mutable std::atomic<int> calls{0};
  infrastructure::InMemoryIdempotencyStore store;
};

// Stands in for RedisRequestState: over the same "Redis" as the two
// switchable stores, and down whenever they are.
class SwitchableRequestState final : public application::RequestStatePort {
 public:
  SwitchableRequestState(SwitchablePresence& presence, SwitchableIdempotency& idempotency)
      : presence_(presence), idempotency_(idempotency), inner_(presence.store, idempotency.store) {}
  domain::Result<application::RequestState> begin(const std::string& customer_id, const std::string& key) override {
    ++calls;
    if (auto broken = check(); !broken) return std::unexpected(broken.error());
    return inner_.begin(customer_id, key);
  }
  domain::Result<void> commit(const std::string& customer_id, const domain::PresenceRecord& record,
                              const std::string& key, const application::RememberedReply& reply) override {
    ++calls;
    if (auto broken = check(); !broken) return std::unexpected(broken.error());
    return inner_.commit(customer_id, record, key, reply);
  }
  // Reads later: each waits in `later` until the test runs it (as a Redis
  // connection's thread would deliver it), and reads "Redis" as it is then.
  bool begin_later(const std::string& customer_id, const std::string& key, BeginOutcome done) override {
    later.push_back([this, customer_id, key, done = std::move(done)] { done(begin(customer_id, key)); });
    return true;
  }
  std::atomic<int> calls{0};
  std::vector<std::function<void()>> later;

 private:
  domain::Result<void> check() const {
    if (presence_.mode == Mode::kDown || idempotency_.mode == Mode::kDown) {
      return domain::fail(domain::ErrorCode::kUnavailable, "redis: connection refused");
    }
    return {};
  }
  SwitchablePresence& presence_;
  SwitchableIdempotency& idempotency_;
  infrastructure::CompositeRequestState inner_;
};

}  // namespace tastesync::testing
