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

TEST(ZonePosition, ASpotOnTheFloorIsAccepted) {
  EXPECT_TRUE(check_position({0.0, 0.0}, "position"));
  EXPECT_TRUE(check_position({1000.0, 3.5}, "position"));
}

TEST(ZonePosition, EachBadValueIsNamedWithWhatItMustBe) {
  const auto negative = check_position({-0.5, 1.0}, "position");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(negative.error().field, "position.x");
  EXPECT_EQ(negative.error().message, "must be 0 or more and at most 1000 metres");
  EXPECT_EQ(check_position({1.0, 1000.5}, "position").error().field, "position.y");
  EXPECT_EQ(check_position({std::numeric_limits<double>::infinity(), 1.0}, "zone 't'.position").error().field,
            "zone 't'.position.x");
  EXPECT_EQ(check_position({1.0, std::numeric_limits<double>::quiet_NaN()}, "position").error().field, "position.y");
}

}  // namespace
}  // namespace tastesync::domain
