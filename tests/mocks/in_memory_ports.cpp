#include "mocks/in_memory_ports.h"

#include <algorithm>
#include <utility>

namespace tastesync::testing {

using domain::ErrorCode;
using domain::fail;

InMemoryBeaconRegistry::InMemoryBeaconRegistry(domain::FloorPlan plan)
    : plan_(std::make_shared<const domain::FloorPlan>(std::move(plan))) {}

domain::FloorPlanPtr InMemoryBeaconRegistry::current() const { return plan_.load(); }

void InMemoryBeaconRegistry::replace(domain::FloorPlan plan) {
  plan_.store(std::make_shared<const domain::FloorPlan>(std::move(plan)));
}

namespace {

bool same_place(const std::optional<domain::Presence>& a, const std::optional<domain::Presence>& b) {
  if (!a || !b) return !a && !b;
  return a->visit_id == b->visit_id && a->zone_id == b->zone_id;
}

}  // namespace

domain::Result<void> InMemoryVisitLedger::record(const std::string& customer_id,
                                                 const std::optional<domain::Presence>& before,
                                                 const std::optional<domain::Presence>& after,
                                                 const std::vector<domain::DomainEvent>& events,
                                                 const std::optional<application::LedgerAnswer>& answer) {
  std::scoped_lock lock(mutex_);
  if (answer) {
    for (const auto& [customer, recorded] : answers_) {
      for (const auto& kept : recorded) {
        if (kept.idempotency_key == answer->idempotency_key) {
          return fail(ErrorCode::kAlreadyExists, "this request was already recorded");
        }
      }
    }
  }
  const auto open = open_.find(customer_id);
  const std::optional<domain::Presence> stored =
      open == open_.end() ? std::nullopt : std::optional<domain::Presence>(open->second);
  if (!same_place(stored, before)) {
    return fail(ErrorCode::kAborted, "customer's presence changed concurrently; retry");
  }
  if (stored && stored->last_seen > before->last_seen) {
    return fail(ErrorCode::kAborted, "customer was seen after this decision was taken; retry");
  }
  auto& history = visits_[customer_id];
  if (stored && (!after || after->visit_id != stored->visit_id)) {
    for (auto& visit : history) {
      if (visit.visit_id == stored->visit_id) visit.left_at = after ? after->visit_started_at : stored->last_seen;
    }
  }
  if (after) {
    if (!stored || stored->visit_id != after->visit_id) {
      history.push_back(domain::Visit{after->visit_id, customer_id, after->store_id, after->visit_started_at, {}, {}});
    }
    history.back().zones.push_back(domain::ZoneStay{after->zone_id, after->zone_since});
    open_[customer_id] = *after;
  } else {
    open_.erase(customer_id);
  }
  events_ += events.size();
  if (answer) answers_[customer_id].push_back(*answer);
  return {};
}

domain::Result<application::LedgerView> InMemoryVisitLedger::recall(const std::string& customer_id,
                                                                    domain::Timestamp) const {
  std::scoped_lock lock(mutex_);
  application::LedgerView view;
  if (const auto it = open_.find(customer_id); it != open_.end()) view.presence = it->second;
  if (const auto it = answers_.find(customer_id); it != answers_.end()) view.answers = it->second;
  return view;
}

domain::Result<std::vector<application::IdleVisit>> InMemoryVisitLedger::idle_visits(domain::Timestamp cutoff,
                                                                                     std::size_t limit) const {
  std::scoped_lock lock(mutex_);
  std::vector<application::IdleVisit> idle;
  for (const auto& [customer_id, presence] : open_) {
    if (presence.last_seen <= cutoff) idle.push_back({customer_id, presence.visit_id, presence.last_seen});
  }
  std::sort(idle.begin(), idle.end(), [](const auto& a, const auto& b) { return a.last_seen < b.last_seen; });
  if (idle.size() > limit) idle.resize(limit);
  return idle;
}

domain::Result<bool> InMemoryVisitLedger::touch(const std::string& customer_id, const domain::Presence& seen) {
  std::scoped_lock lock(mutex_);
  const auto it = open_.find(customer_id);
  if (it == open_.end() || !same_place(it->second, seen)) return false;
  it->second.last_seen = std::max(it->second.last_seen, seen.last_seen);
  return true;
}

domain::Result<std::size_t> InMemoryVisitLedger::forget_answers(domain::Timestamp) {
  // Tests keep every answer; age is the PostgreSQL adapter's concern.
  return std::size_t{0};
}

domain::Result<std::optional<domain::Presence>> InMemoryVisitLedger::current(const std::string& customer_id) const {
  std::scoped_lock lock(mutex_);
  const auto it = open_.find(customer_id);
  return it == open_.end() ? std::optional<domain::Presence>{} : std::optional<domain::Presence>(it->second);
}

domain::Result<std::vector<domain::Visit>> InMemoryVisitLedger::visits(const std::string& customer_id,
                                                                       std::size_t limit) const {
  std::scoped_lock lock(mutex_);
  std::vector<domain::Visit> newest_first;
  const auto it = visits_.find(customer_id);
  if (it == visits_.end()) return newest_first;
  for (auto visit = it->second.rbegin(); visit != it->second.rend() && newest_first.size() < limit; ++visit) {
    newest_first.push_back(*visit);
  }
  return newest_first;
}

domain::Result<std::vector<domain::CustomerPresence>> InMemoryVisitLedger::in_store(const std::string& store_id) const {
  std::scoped_lock lock(mutex_);
  std::vector<domain::CustomerPresence> present;
  for (const auto& [customer_id, presence] : open_) {
    if (presence.store_id == store_id) present.push_back({customer_id, presence});
  }
  return present;
}

std::size_t InMemoryVisitLedger::size() const {
  std::scoped_lock lock(mutex_);
  return events_;
}

InMemoryEventPublisher::InMemoryEventPublisher(Sink sink) : sink_(std::move(sink)) {}

domain::Result<void> InMemoryEventPublisher::publish(const std::vector<domain::DomainEvent>& events) {
  for (const auto& event : events) {
    if (sink_) sink_(event);
  }
  std::scoped_lock lock(mutex_);
  for (const auto& event : events) {
    recent_.push_back(event);
    if (recent_.size() > kKept) recent_.pop_front();
  }
  return {};
}

std::vector<domain::DomainEvent> InMemoryEventPublisher::published() const {
  std::scoped_lock lock(mutex_);
  return {recent_.begin(), recent_.end()};
}

domain::Result<std::optional<domain::Customer>> InMemoryCustomerDirectory::find(const std::string& customer_id) const {
  std::scoped_lock lock(mutex_);
  const auto it = customers_.find(customer_id);
  return it == customers_.end() ? std::optional<domain::Customer>{} : std::optional<domain::Customer>{it->second};
}

domain::Result<void> InMemoryCustomerDirectory::add(const domain::Customer& customer) {
  std::scoped_lock lock(mutex_);
  if (!customers_.emplace(customer.id, customer).second) {
    return fail(ErrorCode::kAlreadyExists, "customer '" + customer.id + "' is already registered", "customer_id");
  }
  return {};
}

}  // namespace tastesync::testing
