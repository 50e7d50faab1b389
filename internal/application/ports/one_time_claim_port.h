#pragma once

#include <chrono>
#include <string>

#include "domain/error.h"

namespace tastesync::application {

// First-come claims shared by every instance, expiring after `ttl`: a
// customer code's nonce may be used once, and a phone's rotating id may
// place its customer in only one store per rotation window.
class OneTimeClaimPort {
 public:
  virtual ~OneTimeClaimPort() = default;
  // Claims `key` for `holder` if nobody holds it, and returns the holder on
  // record: `holder` itself when the claim is (or already was) its own, so a
  // retry of the same request is not mistaken for a replay.
  virtual domain::Result<std::string> claim(const std::string& key, const std::string& holder,
                                            std::chrono::seconds ttl) = 0;
};

}  // namespace tastesync::application
