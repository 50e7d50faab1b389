#pragma once

#include <chrono>
#include <string>

#include "application/ports/idempotency_store_port.h"
#include "infrastructure/redis/key_layout.h"
#include "infrastructure/redis/redis_client.h"

namespace tastesync::infrastructure::redis {

// Remembered Identify answers in Redis, kept with the customer's keys
// (`cid:idem:{b<n>}:<key>`, keys::identify_answer: the key is binary-safe,
// it may hold the caller/request separator), expiring after `ttl`. The first
// answer stored wins: a retry racing the original on another instance cannot
// replace it (SET NX). The commit script (RedisRequestState) writes and checks
// the same key, so an answer copied back here from the ledger is seen by a
// commit from this instance's copy, on a single Redis and on a cluster alike.
class RedisIdempotencyStore final : public application::IdempotencyStorePort {
 public:
  RedisIdempotencyStore(RedisClientPtr client, std::chrono::seconds ttl);

  domain::Result<std::optional<application::RememberedReply>> find(const std::string& customer_id,
                                                                   const std::string& key) const override;
  domain::Result<void> remember(const std::string& customer_id, const std::string& key,
                                const application::RememberedReply& reply) override;

  static std::string key_for(const std::string& customer_id, const std::string& key) {
    return keys::identify_answer(customer_id, key);
  }
  // Shared with RedisRequestState: the answer in a reply to `GET key_for(key)`.
  static domain::Result<std::optional<application::RememberedReply>> remembered_from_reply(const RedisReply& reply);
  const std::string& ttl_seconds() const { return ttl_seconds_; }

 private:
  RedisClientPtr client_;
  std::string ttl_seconds_;
};

}  // namespace tastesync::infrastructure::redis
