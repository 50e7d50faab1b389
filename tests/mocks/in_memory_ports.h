#pragma once

// In-memory fakes of driven ports for unit tests: the registry, the visit
// ledger, the event publisher and the customer directory. All thread-safe.
// The in-process presence and idempotency stores are production code
// (infrastructure/local/local_stores.h), which tests use too.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "application/ports/beacon_registry_port.h"
#include "application/ports/clock_port.h"
#include "application/ports/customer_directory_port.h"
#include "application/ports/event_publisher_port.h"
#include "application/ports/id_generator_port.h"
#include "application/ports/idempotency_store_port.h"
#include "application/ports/presence_store_port.h"
#include "application/ports/visit_ledger_port.h"
#include "infrastructure/local/local_stores.h"

namespace tastesync::testing {

class InMemoryBeaconRegistry final : public application::BeaconRegistryPort {
 public:
  explicit InMemoryBeaconRegistry(domain::FloorPlan plan);
  domain::FloorPlanPtr current() const override;
  void replace(domain::FloorPlan plan);

 private:
  std::atomic<domain::FloorPlanPtr> plan_;
};

class InMemoryVisitLedger final : public application::VisitLedgerPort {
 public:
  domain::Result<void> record(const std::string& customer_id, const std::optional<domain::Presence>& before,
                              const std::optional<domain::Presence>& after,
                              const std::vector<domain::DomainEvent>& events,
                              const std::optional<application::LedgerAnswer>& answer) override;
  domain::Result<std::optional<domain::Presence>> current(const std::string& customer_id) const override;
  domain::Result<application::LedgerView> recall(const std::string& customer_id,
                                                 domain::Timestamp answers_since) const override;
  domain::Result<std::vector<application::IdleVisit>> idle_visits(domain::Timestamp cutoff,
                                                                  std::size_t limit) const override;
  domain::Result<bool> touch(const std::string& customer_id, const domain::Presence& seen) override;
  domain::Result<std::size_t> forget_answers(domain::Timestamp before) override;
  domain::Result<std::vector<domain::Visit>> visits(const std::string& customer_id, std::size_t limit) const override;
  domain::Result<std::vector<domain::CustomerPresence>> in_store(const std::string& store_id) const override;
  std::size_t size() const;  // events recorded

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, domain::Presence> open_;              // by customer
  std::unordered_map<std::string, std::vector<domain::Visit>> visits_;  // by customer, oldest first
  // Every answer recorded, by customer, oldest first (tests keep them all).
  std::unordered_map<std::string, std::vector<application::LedgerAnswer>> answers_;
  std::size_t events_ = 0;
};

// Hands each published event to a sink (the composition root logs them).
class InMemoryEventPublisher final : public application::EventPublisherPort {
 public:
  using Sink = std::function<void(const domain::DomainEvent&)>;
  explicit InMemoryEventPublisher(Sink sink = {});
  domain::Result<void> publish(const std::vector<domain::DomainEvent>& events) override;
  std::vector<domain::DomainEvent> published() const;

 private:
  static constexpr std::size_t kKept = 10000;
  Sink sink_;
  mutable std::mutex mutex_;
  std::deque<domain::DomainEvent> recent_;
};

class InMemoryCustomerDirectory final : public application::CustomerDirectoryPort {
 public:
  domain::Result<std::optional<domain::Customer>> find(const std::string& customer_id) const override;
  domain::Result<void> add(const domain::Customer& customer) override;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, domain::Customer> customers_;
};

}  // namespace tastesync::testing
