#pragma once

// The check every admin-side rejection test makes: the call failed with
// `code` (and `field`, when given) and wrote nothing — the registry still
// serves the very snapshot it served before the call.

#include <gtest/gtest.h>

#include <string>

#include "domain/entities/floor_plan.h"
#include "domain/error.h"

namespace tastesync::testing {

template <typename T>
void expect_rejected_unchanged(const domain::Result<T>& result, domain::ErrorCode code, const std::string& field,
                               const domain::FloorPlanPtr& plan_now, const domain::FloorPlanPtr& plan_before) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, code) << result.error().message;
  if (!field.empty()) {
    EXPECT_EQ(result.error().field, field) << result.error().message;
  }
  EXPECT_EQ(plan_now, plan_before) << "a rejected request changed the floor plan";
}

}  // namespace tastesync::testing
