#pragma once

// This instance's own copy of the presence records it wrote last, so the
// next sighting of a customer routed here (sticky routing) starts without
// reading Redis. A copy is never trusted on its own: it is lent to one
// request (take), whose write back to Redis is a compare-and-set on the
// copy's version, so a copy some other writer has overtaken is caught by
// that write and the request starts over from Redis (docs/performance.md).
//
// Lending: take() hands the copy out and leaves a marker, so the write can
// tell (lent()) whether the record it writes came from here; only a write
// that succeeded puts a copy back (keep). Whatever else happens to the
// customer in between (a hold, a failed write, an error) leaves no copy, and
// the next request reads Redis.
//
// Each copy carries the outage count of the Redis gate when it was kept;
// take() refuses a copy from before the last outage, since writes made while
// Redis was away went to the ledger alone.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/entities/presence.h"

namespace tastesync::infrastructure {

class PresenceCache {
 public:
  // At most about `capacity` customers (0: nothing is kept, every take misses).
  explicit PresenceCache(std::size_t capacity);
  PresenceCache(const PresenceCache&) = delete;
  PresenceCache& operator=(const PresenceCache&) = delete;

  // The copy kept for the customer in outage period `outages`, lent to the
  // caller (and marked lent); nullopt when there is none or it is older.
  std::optional<domain::PresenceRecord> take(const std::string& customer_id, std::uint64_t outages);
  // Whether the customer's last take() lent a copy; clears the marker.
  bool lent(const std::string& customer_id);
  // Keeps a copy of `record` (as Redis now holds it) for the next take().
  void keep(const std::string& customer_id, domain::PresenceRecord record, std::uint64_t outages);

  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  std::size_t size() const;

 private:
  struct Entry {
    std::optional<domain::PresenceRecord> record;  // empty while lent
    std::uint64_t outages = 0;
  };
  // Customers spread over shards so concurrent requests rarely share a lock.
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard_for(const std::string& customer_id);

  std::size_t per_shard_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace tastesync::infrastructure
