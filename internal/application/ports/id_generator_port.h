#pragma once

#include <string>

namespace tastesync::application {

// Time-ordered unique ids (UUIDv7) for events and visits.
class IdGeneratorPort {
 public:
  virtual ~IdGeneratorPort() = default;
  virtual std::string next_id() = 0;
};

}  // namespace tastesync::application
