#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "application/ports/clock_port.h"
#include "application/ports/rate_limiter_port.h"

namespace tastesync::infrastructure {

// Refill rate and burst of one kind of bucket; rate 0 switches it off.
struct BucketSettings {
  double per_second = 0;
  double burst = 0;
};

struct RateLimitSettings {
  BucketSettings customer;  // per customer (token subject of role customer)
  BucketSettings device;    // per device (the token's device_id claim, when present)
  BucketSettings scanner;   // per store scanner (token subject of role scanner)
  // Buckets kept per kind before idle (full) ones are dropped.
  std::size_t max_tracked = 100'000;
};

// Token buckets in this process. With several instances each keeps its own,
// so a caller spread over N instances gets up to N times the limit; a shared
// limit would keep the buckets in Redis (one script per call), at a round
// trip per request.
class TokenBucketLimiter final : public application::RateLimiterPort {
 public:
  // `clock` outlives the limiter.
  TokenBucketLimiter(const RateLimitSettings& settings, const application::ClockPort& clock);

  domain::Result<void> admit(const application::Principal& caller) override;

 private:
  struct Bucket {
    double tokens = 0;
    domain::Timestamp refilled{};
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShardCount = 16;

  // Takes one token from `key`'s bucket, or says how long until one is there.
  domain::Result<void> take(const std::string& key, const BucketSettings& settings, const char* what);

  RateLimitSettings settings_;
  const application::ClockPort& clock_;
  std::array<Shard, kShardCount> shards_;
};

}  // namespace tastesync::infrastructure
