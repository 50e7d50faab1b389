#pragma once

// Where each thing lives in Redis, so that every set of keys one script or
// pipeline touches together shares a hash tag (one Redis Cluster slot).
//
// A customer's keys carry the tag of the customer's bucket, `{b<n>}` with
// n = CRC16(customer id) mod kCustomerBuckets:
//   cid:presence:{b<n>}:<customer>      the presence hash (RedisPresenceStore)
//   cid:last_seen:{b<n>}                the bucket's part of the last-seen index
//   cid:epoch:{b<n>}                    the bucket's copy of the cache generation
//   cid:idem:{b<n>}:<idempotency key>   an Identify answer (the commit script,
//                                       RedisIdempotencyStore)
// so the presence compare-and-set, the index update, the generation check and
// the answer are still one script, and the leave sweep walks kCustomerBuckets
// sorted sets instead of one hot global one. 1,024 buckets spread over the
// 16,384 slots: enough for the index's buckets to spread over tens of masters,
// few enough that a sweep (one ZRANGE per bucket, pipelined per node) and an
// epoch advance (one INCR per bucket) stay cheap.
//
// Keys used alone keep their plain names (their own slot each):
//   cid:once:<key>   one-time claims
// and `cid:idem:<key>` is where versions before answers moved beside the
// customer's keys kept answers copied back from the ledger: read, never
// written, so a retry keeps its answer through a rolling upgrade. Nothing
// needs it once every instance runs this layout for `identify.idempotency_ttl_seconds`.
//
// Before buckets, a single Redis held `cid:presence:<customer>`,
// `cid:last_seen` and `cid:epoch`; RedisLastSeenIndex::adopt_unbucketed moves
// the old index into the buckets at start-up (docs/operations.md, upgrading).

#include <cstdint>
#include <string>
#include <string_view>

#include "infrastructure/redis/cluster_slots.h"

namespace tastesync::infrastructure::redis::keys {

inline constexpr std::uint32_t kCustomerBuckets = 1024;

inline std::uint32_t bucket_of(std::string_view customer_id) { return crc16_xmodem(customer_id) % kCustomerBuckets; }
inline std::string bucket_tag(std::uint32_t bucket) { return "{b" + std::to_string(bucket) + "}"; }

inline std::string presence(std::string_view customer_id) {
  return "cid:presence:" + bucket_tag(bucket_of(customer_id)) + ":" + std::string(customer_id);
}
inline std::string last_seen(std::uint32_t bucket) { return "cid:last_seen:" + bucket_tag(bucket); }
inline std::string last_seen_of(std::string_view customer_id) { return last_seen(bucket_of(customer_id)); }
inline std::string epoch(std::uint32_t bucket) { return "cid:epoch:" + bucket_tag(bucket); }
inline std::string epoch_of(std::string_view customer_id) { return epoch(bucket_of(customer_id)); }
inline std::string identify_answer(std::string_view customer_id, std::string_view idempotency_key) {
  return "cid:idem:" + bucket_tag(bucket_of(customer_id)) + ":" + std::string(idempotency_key);
}
inline std::string answer_kept_alone(std::string_view idempotency_key) {
  return "cid:idem:" + std::string(idempotency_key);
}
inline std::string claim(std::string_view key) { return "cid:once:" + std::string(key); }

// The single-Redis layout before buckets (read once, by the upgrade).
inline constexpr std::string_view kUnbucketedLastSeen = "cid:last_seen";

}  // namespace tastesync::infrastructure::redis::keys
