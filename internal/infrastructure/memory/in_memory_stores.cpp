#include "infrastructure/memory/in_memory_stores.h"

#include <utility>

#include "util/uuid.h"

namespace tastesync::infrastructure {

using domain::ErrorCode;
using domain::fail;

InMemoryBeaconRegistry::InMemoryBeaconRegistry(domain::FloorPlan plan)
    : plan_(std::make_shared<const domain::FloorPlan>(std::move(plan))) {}

domain::FloorPlanPtr InMemoryBeaconRegistry::current() const { return plan_.load(); }

void InMemoryBeaconRegistry::replace(domain::FloorPlan plan) {
  plan_.store(std::make_shared<const domain::FloorPlan>(std::move(plan)));
}

InMemoryPresenceStore::Shard& InMemoryPresenceStore::shard_for(const std::string& customer_id) {
  return shards_[std::hash<std::string>{}(customer_id) % shards_.size()];
}

domain::Result<domain::PresenceRecord> InMemoryPresenceStore::load(const std::string& customer_id) {
  Shard& shard = shard_for(customer_id);
  std::scoped_lock lock(shard.mutex);
  const auto it = shard.records.find(customer_id);
  return it == shard.records.end() ? domain::PresenceRecord{} : it->second;
}

domain::Result<void> InMemoryPresenceStore::save(const std::string& customer_id, const domain::PresenceRecord& record) {
  Shard& shard = shard_for(customer_id);
  std::scoped_lock lock(shard.mutex);
  domain::PresenceRecord& stored = shard.records[customer_id];
  if (stored.version != record.version) {
    return fail(ErrorCode::kAborted, "presence of customer changed concurrently; retry");
  }
  stored = record;
  ++stored.version;
  return {};
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
  if (answer && answers_.contains(answer->idempotency_key)) {
    return fail(ErrorCode::kAlreadyExists, "this request was already recorded");
  }
  const auto open = open_.find(customer_id);
  const std::optional<domain::Presence> stored =
      open == open_.end() ? std::nullopt : std::optional<domain::Presence>(open->second);
  if (!same_place(stored, before)) {
    return fail(ErrorCode::kAborted, "customer's presence changed concurrently; retry");
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
  if (answer) answers_.emplace(answer->idempotency_key, answer->reply);
  return {};
}

domain::Result<application::LedgerView> InMemoryVisitLedger::recall(const std::string& customer_id,
                                                                    const std::string& idempotency_key) const {
  std::scoped_lock lock(mutex_);
  application::LedgerView view;
  if (const auto it = open_.find(customer_id); it != open_.end()) view.presence = it->second;
  if (const auto it = answers_.find(idempotency_key); it != answers_.end()) view.answer = it->second;
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

domain::Result<void> InMemoryVisitLedger::touch(const std::string& customer_id, const std::string& visit_id,
                                                domain::Timestamp last_seen) {
  std::scoped_lock lock(mutex_);
  const auto it = open_.find(customer_id);
  if (it != open_.end() && it->second.visit_id == visit_id && it->second.last_seen < last_seen) {
    it->second.last_seen = last_seen;
  }
  return {};
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

InMemoryIdempotencyStore::InMemoryIdempotencyStore(std::size_t capacity, std::chrono::seconds ttl,
                                                   const application::ClockPort& clock)
    : capacity_per_shard_(std::max<std::size_t>(1, capacity / kShards)), ttl_(ttl), clock_(clock) {
  // Sized up front: rehashing a shard while its lock is held shows up as
  // latency spikes under load.
  for (Shard& shard : shards_) shard.entries.reserve(capacity_per_shard_);
}

InMemoryIdempotencyStore::Shard& InMemoryIdempotencyStore::shard_for(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

domain::Result<std::optional<application::RememberedReply>> InMemoryIdempotencyStore::find(
    const std::string& key) const {
  Shard& shard = shard_for(key);
  std::scoped_lock lock(shard.mutex);
  const auto it = shard.entries.find(key);
  if (it == shard.entries.end() || clock_.now() - it->second.stored_at > ttl_) {
    return std::optional<application::RememberedReply>{};
  }
  return std::optional<application::RememberedReply>{it->second.reply};
}

domain::Result<void> InMemoryIdempotencyStore::remember(const std::string& key,
                                                        const application::RememberedReply& reply) {
  Shard& shard = shard_for(key);
  std::scoped_lock lock(shard.mutex);
  const auto [it, inserted] = shard.entries.insert_or_assign(key, Entry{reply, clock_.now()});
  if (inserted) shard.order.push_back(key);
  while (shard.order.size() > capacity_per_shard_) {
    shard.entries.erase(shard.order.front());
    shard.order.pop_front();
  }
  return {};
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

std::string UuidV7Generator::next_id() { return util::new_uuid_v7(); }

}  // namespace tastesync::infrastructure
