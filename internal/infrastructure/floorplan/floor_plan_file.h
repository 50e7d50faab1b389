#pragma once

// Reads store floor plans (stores, zones, beacons) from YAML; see
// internal/config/demo-store.yaml for the format.

#include <string>

#include "domain/entities/floor_plan.h"
#include "domain/error.h"

namespace tastesync::infrastructure {

domain::Result<domain::FloorPlan> load_floor_plan(const std::string& path);
domain::Result<domain::FloorPlan> parse_floor_plan(const std::string& yaml_text);

}  // namespace tastesync::infrastructure
