#include "infrastructure/local/presence_cache.h"

#include <functional>
#include <utility>

namespace tastesync::infrastructure {

PresenceCache::PresenceCache(std::size_t capacity) : per_shard_((capacity + kShards - 1) / kShards) {}

PresenceCache::Shard& PresenceCache::shard_for(const std::string& customer_id) {
  return shards_[std::hash<std::string>{}(customer_id) % kShards];
}

std::optional<domain::PresenceRecord> PresenceCache::take(const std::string& customer_id, std::uint64_t outages) {
  if (per_shard_ == 0) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  Shard& shard = shard_for(customer_id);
  std::scoped_lock lock(shard.mutex);
  const auto found = shard.entries.find(customer_id);
  if (found == shard.entries.end() || !found->second.record || found->second.outages != outages) {
    // Nothing to lend: no marker either, so the write goes the usual way.
    if (found != shard.entries.end()) shard.entries.erase(found);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  std::optional<domain::PresenceRecord> copy = std::move(found->second.record);
  found->second.record.reset();
  hits_.fetch_add(1, std::memory_order_relaxed);
  return copy;
}

bool PresenceCache::lent(const std::string& customer_id) {
  if (per_shard_ == 0) return false;
  Shard& shard = shard_for(customer_id);
  std::scoped_lock lock(shard.mutex);
  const auto found = shard.entries.find(customer_id);
  if (found == shard.entries.end() || found->second.record) return false;
  shard.entries.erase(found);
  return true;
}

void PresenceCache::keep(const std::string& customer_id, domain::PresenceRecord record, std::uint64_t outages) {
  if (per_shard_ == 0) return;
  Shard& shard = shard_for(customer_id);
  std::scoped_lock lock(shard.mutex);
  auto found = shard.entries.find(customer_id);
  if (found == shard.entries.end()) {
    // Full: make room by dropping any one customer (the table is hashed, so
    // it is an arbitrary one); a dropped copy only costs its next request a
    // read from Redis.
    // A copy lent right now is skipped: its request's write must still learn
    // that it wrote from a copy.
    if (shard.entries.size() >= per_shard_) {
      constexpr int kLooks = 8;
      auto victim = shard.entries.begin();
      for (int look = 0; look < kLooks && victim != shard.entries.end() && !victim->second.record; ++look) ++victim;
      if (victim != shard.entries.end() && victim->second.record) shard.entries.erase(victim);
    }
    found = shard.entries.try_emplace(customer_id).first;
  }
  found->second.record = std::move(record);
  found->second.outages = outages;
}

std::size_t PresenceCache::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::scoped_lock lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace tastesync::infrastructure
