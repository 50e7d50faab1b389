#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "application/ports/last_seen_port.h"
#include "infrastructure/redis/redis_client.h"

namespace tastesync::infrastructure::redis {

// The last-seen index in Redis: one sorted set per customer bucket,
// keys::last_seen (key_layout.h), member = customer id, score = ms since the
// epoch. stale() reads every bucket's oldest and keeps the oldest of all.
//
// Coupling, on purpose: RedisPresenceStore::save() writes this set in the
// same Lua script that saves the presence record (one round trip per
// identification), so this class is mostly the reading side, and
// IdentifyCustomerUseCase never calls touch(). Give both the same Redis.
//
// During a Redis outage the service saves presence locally
// (FallbackPresenceStore) and the index is not updated; stale() fails with
// kUnavailable, so leave detection pauses and catches up once Redis is back
// (the composition root also waits leave_after past an outage, so customers
// seen only during it are re-indexed by their next sighting before anyone is
// judged silent).
class RedisLastSeenIndex final : public application::LastSeenPort {
 public:
  explicit RedisLastSeenIndex(RedisClientPtr client);

  // ZADD GT: raises the customer's time, never lowers it.
  domain::Result<void> touch(const std::string& customer_id, domain::Timestamp seen_at) override;
  domain::Result<std::vector<std::string>> stale(domain::Timestamp older_than, std::size_t limit) override;
  // Conditional (a Lua script): removes the member only while its score is
  // still <= seen_at_or_before.
  domain::Result<void> forget(const std::string& customer_id, domain::Timestamp seen_at_or_before) override;

  // Upgrading a single Redis from before buckets: moves the members of the
  // old global set (keys::kUnbucketedLastSeen) into their buckets, so
  // customers in open visits are still found by the leave sweep. Returns
  // how many were moved (0 once done). Idempotent; safe while serving.
  domain::Result<std::size_t> adopt_unbucketed();

 private:
  RedisClientPtr client_;
};

}  // namespace tastesync::infrastructure::redis
