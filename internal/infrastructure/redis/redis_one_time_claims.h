#pragma once

#include <chrono>
#include <string>

#include "application/ports/one_time_claim_port.h"
#include "infrastructure/redis/key_layout.h"
#include "infrastructure/redis/redis_client.h"

namespace tastesync::infrastructure::redis {

// One-time claims in Redis, `cid:once:{key}` = holder, expiring after the
// claim's ttl. One `SET NX GET` (Redis 7) both claims and tells who held
// it, so two instances racing for a code's nonce cannot both win. With
// Redis down a claim fails (kUnavailable) rather than falling back to local
// memory: a local fallback would let a code be used once per instance.
class RedisOneTimeClaims final : public application::OneTimeClaimPort {
 public:
  explicit RedisOneTimeClaims(RedisClientPtr client);

  domain::Result<std::string> claim(const std::string& key, const std::string& holder,
                                    std::chrono::seconds ttl) override;

  static std::string key_for(const std::string& key) { return keys::claim(key); }

 private:
  RedisClientPtr client_;
};

}  // namespace tastesync::infrastructure::redis
