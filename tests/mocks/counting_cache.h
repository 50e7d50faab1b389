#pragma once

// Cache ports that count the calls a use case makes, and one that lets a
// test run a concurrent writer (another instance, the leave sweep) at the
// exact moment before a save or a commit reaches the store.

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "application/ports/idempotency_store_port.h"
#include "application/ports/presence_store_port.h"
#include "application/ports/request_state_port.h"
#include "infrastructure/local/composite_request_state.h"
#include "infrastructure/local/local_stores.h"

namespace tastesync::testing {

// Runs `hook` once, just before the first save reaches the store: what a
// concurrent writer (another instance, the leave sweep) looks like.
class RacedPresenceStore final : public application::PresenceStorePort {
 public:
  domain::Result<domain::PresenceRecord> load(const std::string& id) override { return inner.load(id); }
  domain::Result<void> save(const std::string& id, const domain::PresenceRecord& record) override {
    if (hook) std::exchange(hook, nullptr)();
    return inner.save(id, record);
  }
  infrastructure::InMemoryPresenceStore inner;
  std::function<void()> hook;
};

// Counts calls; `before_commit` runs once, just before a commit reaches the
// stores: a concurrent writer on the batched path.
class CountingRequestState final : public application::RequestStatePort {
 public:
  CountingRequestState(application::PresenceStorePort& presence, application::IdempotencyStorePort& idempotency)
      : inner(presence, idempotency) {}
  domain::Result<application::RequestState> begin(const std::string& id, const std::string& key) override {
    ++begins;
    return inner.begin(id, key);
  }
  domain::Result<void> commit(const std::string& id, const domain::PresenceRecord& record, const std::string& key,
                              const application::RememberedReply& reply) override {
    ++commits;
    if (before_commit) std::exchange(before_commit, nullptr)();
    return inner.commit(id, record, key, reply);
  }
  infrastructure::CompositeRequestState inner;
  std::function<void()> before_commit;
  int begins = 0;
  int commits = 0;
};

// Counts the use case's own calls to the separate stores.
class CountingPresence final : public application::PresenceStorePort {
 public:
  explicit CountingPresence(application::PresenceStorePort& inner) : inner_(inner) {}
  domain::Result<domain::PresenceRecord> load(const std::string& id) override {
    ++loads;
    return inner_.load(id);
  }
  domain::Result<void> save(const std::string& id, const domain::PresenceRecord& record) override {
    ++saves;
    return inner_.save(id, record);
  }
  int loads = 0;
  int saves = 0;

 private:
  application::PresenceStorePort& inner_;
};

class CountingIdempotency final : public application::IdempotencyStorePort {
 public:
  explicit CountingIdempotency(application::IdempotencyStorePort& inner) : inner_(inner) {}
  domain::Result<std::optional<application::RememberedReply>> find(const std::string& customer_id,
                                                                   const std::string& key) const override {
    ++finds;
    return inner_.find(customer_id, key);
  }
  domain::Result<void> remember(const std::string& customer_id, const std::string& key,
                                const application::RememberedReply& reply) override {
    ++remembers;
    return inner_.remember(customer_id, key, reply);
  }
  mutable int finds = 0;
  int remembers = 0;

 private:
  application::IdempotencyStorePort& inner_;
};

}  // namespace tastesync::testing
