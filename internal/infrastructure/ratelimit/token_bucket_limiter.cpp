#include "infrastructure/ratelimit/token_bucket_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

namespace tastesync::infrastructure {

using application::Principal;
using application::Role;

TokenBucketLimiter::TokenBucketLimiter(const RateLimitSettings& settings, const application::ClockPort& clock)
    : settings_(settings), clock_(clock) {}

domain::Result<void> TokenBucketLimiter::admit(const Principal& caller) {
  if (caller.role == Role::kCustomer) {
    if (auto ok = take("c\n" + caller.subject, settings_.customer, "customer"); !ok) return ok;
  }
  if (caller.role == Role::kScanner) {
    if (auto ok = take("s\n" + caller.subject, settings_.scanner, "scanner"); !ok) return ok;
  }
  if (!caller.device_id.empty()) {
    if (auto ok = take("d\n" + caller.device_id, settings_.device, "device"); !ok) return ok;
  }
  return {};
}

domain::Result<void> TokenBucketLimiter::take(const std::string& key, const BucketSettings& settings,
                                              const char* what) {
  if (settings.per_second <= 0) return {};
  const domain::Timestamp now = clock_.now();
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShardCount];
  std::lock_guard lock(shard.mutex);
  if (shard.buckets.size() >= settings_.max_tracked / kShardCount + 1 && !shard.buckets.contains(key)) {
    // Forget callers whose bucket has refilled: they lose nothing by it.
    std::erase_if(shard.buckets, [&](const auto& item) {
      const double idle = std::chrono::duration<double>(now - item.second.refilled).count();
      return item.second.tokens + idle * settings.per_second >= settings.burst;
    });
  }
  auto [it, fresh] = shard.buckets.try_emplace(key, Bucket{settings.burst, now});
  Bucket& bucket = it->second;
  if (!fresh) {
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - bucket.refilled).count());
    bucket.tokens = std::min(settings.burst, bucket.tokens + elapsed * settings.per_second);
    bucket.refilled = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  const double wait_ms = std::ceil((1.0 - bucket.tokens) / settings.per_second * 1000.0);
  std::ostringstream message;
  message << "rate limit of this " << what << " exceeded (" << settings.per_second << " requests/s, burst "
          << settings.burst << "); retry in " << static_cast<long>(wait_ms) << " ms";
  domain::Error error{domain::ErrorCode::kResourceExhausted, message.str(), ""};
  error.retry_after = std::chrono::milliseconds(static_cast<long long>(wait_ms));
  return std::unexpected(std::move(error));
}

}  // namespace tastesync::infrastructure
