#pragma once

#include "application/ports/metrics_port.h"
#include "application/ports/rate_limiter_port.h"

namespace tastesync::application {

// Counts the callers a rate limiter turns away, by their role, around the
// real limiter; gRPC and HTTPS/JSON share it, so both are counted alike.
class MeteredRateLimiter final : public RateLimiterPort {
 public:
  // Both outlive this.
  MeteredRateLimiter(RateLimiterPort& inner, MetricsPort& metrics) : inner_(inner), metrics_(metrics) {}

  domain::Result<void> admit(const Principal& caller) override {
    auto admitted = inner_.admit(caller);
    if (!admitted) metrics_.rate_limited(to_string(caller.role));
    return admitted;
  }

 private:
  RateLimiterPort& inner_;
  MetricsPort& metrics_;
};

}  // namespace tastesync::application
