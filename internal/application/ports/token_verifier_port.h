#pragma once

#include <string_view>

#include "application/ports/principal.h"
#include "domain/error.h"

namespace tastesync::application {

// Turns a bearer token into a Principal, or kUnauthenticated with a message
// that says what was wrong (expired, bad signature, unknown key, ...).
class TokenVerifierPort {
 public:
  virtual ~TokenVerifierPort() = default;
  virtual domain::Result<Principal> verify(std::string_view bearer_token) const = 0;
};

}  // namespace tastesync::application
