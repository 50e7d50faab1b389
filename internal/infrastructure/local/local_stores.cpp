#include "infrastructure/local/local_stores.h"

#include <functional>

namespace tastesync::infrastructure {

using domain::ErrorCode;
using domain::fail;

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
    const std::string& /*customer_id*/, const std::string& key) const {
  Shard& shard = shard_for(key);
  std::scoped_lock lock(shard.mutex);
  const auto it = shard.entries.find(key);
  if (it == shard.entries.end() || clock_.now() - it->second.stored_at > ttl_) {
    return std::optional<application::RememberedReply>{};
  }
  return std::optional<application::RememberedReply>{it->second.reply};
}

domain::Result<void> InMemoryIdempotencyStore::remember(const std::string& /*customer_id*/, const std::string& key,
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

}  // namespace tastesync::infrastructure
