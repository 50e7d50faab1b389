#include <gtest/gtest.h>

#include <limits>

#include "domain/entities/zone.h"

namespace tastesync::domain {
namespace {

TEST(ZoneLayout, ARectangleOnTheFloorIsAccepted) { EXPECT_TRUE(check_layout({0.0, 2.5, 1.4, 0.8}, "layout")); }

TEST(ZoneLayout, EachBadValueIsNamed) {
  EXPECT_EQ(check_layout({-1.0, 0.0, 1.0, 1.0}, "layout").error().field, "layout.x");
  EXPECT_EQ(check_layout({0.0, 2000.0, 1.0, 1.0}, "layout").error().field, "layout.y");
  EXPECT_EQ(check_layout({0.0, 0.0, 0.0, 1.0}, "layout").error().field, "layout.width");
  EXPECT_EQ(check_layout({0.0, 0.0, 1.0, std::numeric_limits<double>::quiet_NaN()}, "zone.layout").error().field,
            "zone.layout.height");
}

}  // namespace
}  // namespace tastesync::domain
