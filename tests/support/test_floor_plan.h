#pragma once

// The floor plan unit tests of the core share: store "bistro" with an
// entrance (major 1, minor 0) and tables 1..4 (major 1, minor N), and store
// "cafe" with one table (major 2, minor 1); every beacon has kTestUuid.

#include "domain/entities/floor_plan.h"

namespace tastesync::testing {

inline constexpr const char* kTestUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";

domain::FloorPlan test_floor_plan();

}  // namespace tastesync::testing
