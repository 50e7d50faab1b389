#include "mocks/in_memory_last_seen.h"

#include <algorithm>
#include <utility>

namespace tastesync::testing {

domain::Result<void> InMemoryLastSeenIndex::touch(const std::string& customer_id, domain::Timestamp seen_at) {
  std::scoped_lock lock(mutex_);
  const auto [it, inserted] = last_seen_.try_emplace(customer_id, seen_at);
  if (!inserted && it->second < seen_at) it->second = seen_at;
  return {};
}

domain::Result<std::vector<std::string>> InMemoryLastSeenIndex::stale(domain::Timestamp older_than, std::size_t limit) {
  std::vector<std::pair<domain::Timestamp, std::string>> found;
  {
    std::scoped_lock lock(mutex_);
    for (const auto& [customer_id, seen_at] : last_seen_) {
      if (seen_at <= older_than) found.emplace_back(seen_at, customer_id);
    }
  }
  std::sort(found.begin(), found.end());
  if (found.size() > limit) found.resize(limit);
  std::vector<std::string> customers;
  customers.reserve(found.size());
  for (auto& [seen_at, customer_id] : found) customers.push_back(std::move(customer_id));
  return customers;
}

domain::Result<void> InMemoryLastSeenIndex::forget(const std::string& customer_id,
                                                   domain::Timestamp seen_at_or_before) {
  std::scoped_lock lock(mutex_);
  const auto it = last_seen_.find(customer_id);
  if (it != last_seen_.end() && it->second <= seen_at_or_before) last_seen_.erase(it);
  return {};
}

void InMemoryLastSeenIndex::set(const std::string& customer_id, domain::Timestamp seen_at) {
  std::scoped_lock lock(mutex_);
  last_seen_[customer_id] = seen_at;
}

void InMemoryLastSeenIndex::erase(const std::string& customer_id) {
  std::scoped_lock lock(mutex_);
  last_seen_.erase(customer_id);
}

std::size_t InMemoryLastSeenIndex::size() const {
  std::scoped_lock lock(mutex_);
  return last_seen_.size();
}

IndexedPresenceStore::IndexedPresenceStore(application::PresenceStorePort& inner, InMemoryLastSeenIndex& index)
    : inner_(inner), index_(index) {}

domain::Result<domain::PresenceRecord> IndexedPresenceStore::load(const std::string& customer_id) {
  return inner_.load(customer_id);
}

domain::Result<void> IndexedPresenceStore::save(const std::string& customer_id, const domain::PresenceRecord& record) {
  auto saved = inner_.save(customer_id, record);
  if (!saved) return saved;
  if (record.presence) {
    index_.set(customer_id, record.presence->last_seen);
  } else {
    index_.erase(customer_id);
  }
  return saved;
}

}  // namespace tastesync::testing
