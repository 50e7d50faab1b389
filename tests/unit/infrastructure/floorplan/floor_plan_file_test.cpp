#include "infrastructure/floorplan/floor_plan_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tastesync::infrastructure {
namespace {

// One store, one zone whose YAML is `zone`, one beacon in it.
std::string plan_with_zone(const std::string& zone) {
  return "stores:\n"
         "  - id: bistro\n"
         "    name: Bistro\n"
         "    zones:\n"
         "      - " +
         zone +
         "\n"
         "    beacons:\n"
         "      - {uuid: f7826da6-4fa2-4e98-8024-bc5b71e0893e, major: 1, minor: 1, zone: table-1}\n";
}

const domain::Zone& only_zone(const domain::FloorPlan& plan) { return plan.find_store("bistro")->zones.at(0); }

TEST(FloorPlanFile, AZoneMayGiveItsLayoutAndItsPosition) {
  const auto plan = parse_floor_plan(
      plan_with_zone("{id: table-1, kind: table, label: Table 1, layout: {x: 0.5, y: 1, width: 1.4, height: 1.2}, "
                     "position: {x: 1.2, y: 1.6}}"));
  ASSERT_TRUE(plan) << plan.error().message;
  const domain::Zone& zone = only_zone(*plan);
  ASSERT_TRUE(zone.layout);
  EXPECT_DOUBLE_EQ(zone.layout->width, 1.4);
  ASSERT_TRUE(zone.position);
  EXPECT_DOUBLE_EQ(zone.position->x_m, 1.2);
  EXPECT_DOUBLE_EQ(zone.position->y_m, 1.6);
}

TEST(FloorPlanFile, AZoneWithoutAPositionHasNone) {
  const auto plan = parse_floor_plan(plan_with_zone("{id: table-1, kind: table}"));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_FALSE(only_zone(*plan).position);
  EXPECT_FALSE(only_zone(*plan).layout);
}

TEST(FloorPlanFile, ABadPositionIsRefusedNamingTheZoneAndTheValue) {
  struct Case {
    const char* position;
    const char* field;
    const char* message;
  } const cases[] = {
      {"position: {x: 1}", "zone 'table-1'.position.y", "is required"},
      {"position: {x: one, y: 2}", "zone 'table-1'.position.x", "must be a number (metres)"},
      {"position: {x: 1, y: -2}", "zone 'table-1'.position.y", "must be 0 or more and at most 1000 metres"},
      {"position: {x: 5000, y: 2}", "zone 'table-1'.position.x", "must be 0 or more and at most 1000 metres"},
      {"position: [1, 2]", "zone 'table-1'.position", "must be a map of x, y"},
  };
  for (const Case& c : cases) {
    const auto plan = parse_floor_plan(plan_with_zone(std::string("{id: table-1, kind: table, ") + c.position + "}"));
    ASSERT_FALSE(plan) << c.position;
    EXPECT_EQ(plan.error().code, domain::ErrorCode::kInvalidArgument) << c.position;
    EXPECT_EQ(plan.error().field, c.field) << c.position;
    EXPECT_EQ(plan.error().message, c.message) << c.position;
  }
}

TEST(FloorPlanFile, ABadLayoutIsStillRefusedNamingItsValue) {
  const auto plan =
      parse_floor_plan(plan_with_zone("{id: table-1, kind: table, layout: {x: 1, y: 1, width: 0, height: 1}}"));
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().field, "zone 'table-1'.layout.width");
}

TEST(FloorPlanFile, AFilesErrorNamesTheFileAndTheValue) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "floor_plan_file_test_bad.yaml";
  std::ofstream(path) << plan_with_zone("{id: table-1, kind: table, position: {x: -1.5, y: 2}}");
  const auto plan = load_floor_plan(path.string());
  std::filesystem::remove(path);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message,
            path.string() + ": zone 'table-1'.position.x: must be 0 or more and at most 1000 metres");
}

}  // namespace
}  // namespace tastesync::infrastructure
