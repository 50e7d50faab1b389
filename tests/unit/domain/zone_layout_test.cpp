#include <gtest/gtest.h>

#include <limits>

#include "domain/entities/floor_plan.h"
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

// The demo store's drawing: an entrance below four tables in a row, 2 m apart.
// Its centres place the zones, so the zone filter walks a customer from table
// to table along the row and in from the entrance to the two tables nearest
// it, not anywhere in one step.
TEST(ZoneLayout, TheFloorPlansDrawingPlacesTheZonesForTheFilter) {
  Store store{"bistro", "Bistro", {}};
  store.zones.push_back({"entrance", "", ZoneKind::kEntrance, "Entrance", ZoneLayout{3.2, 2.8, 2, 0.8}});
  for (int t = 0; t < 4; ++t) {
    store.zones.push_back(
        {"table-" + std::to_string(t + 1), "", ZoneKind::kTable, "T", ZoneLayout{0.5 + 2.0 * t, 0.5, 1.4, 1.4}});
  }
  // Drawn in a corner, but its position is given: at the end of the row.
  store.zones.push_back({"bar", "", ZoneKind::kTable, "Bar", ZoneLayout{0, 0, 1, 1}, FloorPosition{9.2, 1.2}});
  store.zones.push_back({"terrace", "", ZoneKind::kTable, "Terrace"});
  const Beacon beacon{BeaconKey{BeaconUuid{}, 1, 1}, "bistro", "table-1", -59, 0.0};
  auto plan = FloorPlan::build({store}, {beacon});
  ASSERT_TRUE(plan) << plan.error().message;
  const Zone* entrance = plan->find_zone("bistro", "entrance");
  ASSERT_TRUE(entrance->position.has_value());
  EXPECT_DOUBLE_EQ(entrance->position->x_m, 4.2);
  EXPECT_DOUBLE_EQ(entrance->position->y_m, 3.2);
  EXPECT_DOUBLE_EQ(plan->find_zone("bistro", "table-4")->position->x_m, 7.2);
  EXPECT_DOUBLE_EQ(plan->find_zone("bistro", "bar")->position->x_m, 9.2) << "a position given wins";
  EXPECT_FALSE(plan->find_zone("bistro", "terrace")->position.has_value()) << "no drawing, no position";

  const ZoneModel* model = plan->find_zone_model("bistro");
  ASSERT_NE(model, nullptr);
  const auto names = [&](std::size_t zone) {
    std::vector<std::string> out;
    for (const std::uint16_t to : model->neighbours(zone)) out.push_back(model->zone(to).id);
    return out;
  };
  // Entrance (index 0) -> the two tables above it (2.2 m; the outer ones are
  // 3.6 m away); table 1 -> table 2; table 4 -> table 3 and the bar. The
  // terrace has neither drawing nor beacon: nothing can point there, so no
  // walk goes there.
  EXPECT_EQ(names(0), (std::vector<std::string>{"table-2", "table-3"}));
  EXPECT_EQ(names(1), (std::vector<std::string>{"table-2"}));
  EXPECT_EQ(names(2), (std::vector<std::string>{"entrance", "table-1", "table-3"}));
  EXPECT_EQ(names(4), (std::vector<std::string>{"table-3", "bar"}));
}

}  // namespace
}  // namespace tastesync::domain
