#pragma once

#include "application/ports/principal.h"
#include "domain/error.h"

namespace tastesync::application {

// Abuse limits per caller (customer, device, scanner): kResourceExhausted
// with a message saying which limit was hit and when to retry.
class RateLimiterPort {
 public:
  virtual ~RateLimiterPort() = default;
  virtual domain::Result<void> admit(const Principal& caller) = 0;
};

}  // namespace tastesync::application
