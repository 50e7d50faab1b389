#pragma once

#include "domain/entities/floor_plan.h"

namespace tastesync::application {

// The stores' zones and beacons. `current()` is on the hot path: adapters keep
// an in-memory snapshot and replace it when the registry changes.
class BeaconRegistryPort {
 public:
  virtual ~BeaconRegistryPort() = default;
  virtual domain::FloorPlanPtr current() const = 0;
};

}  // namespace tastesync::application
