#pragma once

#include "domain/entities/sighting.h"

namespace tastesync::application {

// Injected so tests control time (Envoy's TimeSource idea).
class ClockPort {
 public:
  virtual ~ClockPort() = default;
  virtual domain::Timestamp now() const = 0;
};

}  // namespace tastesync::application
