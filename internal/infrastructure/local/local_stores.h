#pragma once

// State kept in this process: the Redis adapter's fallback while Redis is out
// of reach (redis/fallback_stores.h). Thread-safe, sharded by key; the
// idempotency store is bounded by count and age.

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "application/ports/clock_port.h"
#include "application/ports/idempotency_store_port.h"
#include "application/ports/presence_store_port.h"

namespace tastesync::infrastructure {

class InMemoryPresenceStore final : public application::PresenceStorePort {
 public:
  domain::Result<domain::PresenceRecord> load(const std::string& customer_id) override;
  domain::Result<void> save(const std::string& customer_id, const domain::PresenceRecord& record) override;

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, domain::PresenceRecord> records;
  };
  Shard& shard_for(const std::string& customer_id);
  std::array<Shard, 64> shards_;
};

// Bounded by count and age: the oldest answers are forgotten first.
class InMemoryIdempotencyStore final : public application::IdempotencyStorePort {
 public:
  InMemoryIdempotencyStore(std::size_t capacity, std::chrono::seconds ttl, const application::ClockPort& clock);
  // Keyed by the request alone: the key already names the caller and the
  // request, and one process needs no placement by customer.
  domain::Result<std::optional<application::RememberedReply>> find(const std::string& customer_id,
                                                                   const std::string& key) const override;
  domain::Result<void> remember(const std::string& customer_id, const std::string& key,
                                const application::RememberedReply& reply) override;

 private:
  struct Entry {
    application::RememberedReply reply;
    domain::Timestamp stored_at;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;
    std::deque<std::string> order;
  };
  Shard& shard_for(const std::string& key) const;

  std::size_t capacity_per_shard_;
  std::chrono::seconds ttl_;
  const application::ClockPort& clock_;
  static constexpr std::size_t kShards = 64;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace tastesync::infrastructure
