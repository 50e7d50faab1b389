#include "domain/entities/floor_plan.h"

#include <gtest/gtest.h>

namespace tastesync::domain {
namespace {

BeaconKey key(std::uint16_t major, std::uint16_t minor) {
  return BeaconKey{*BeaconUuid::parse("f7826da6-4fa2-4e98-8024-bc5b71e0893e"), major, minor};
}

TEST(FloorPlan, IndexesZonesAndBeaconsOfEveryStore) {
  Store store{"bistro",
              "Bistro",
              {{"entrance", "", ZoneKind::kEntrance, "Entrance"}, {"table-1", "", ZoneKind::kTable, "Table 1"}}};
  auto plan = FloorPlan::build({store}, {Beacon{key(1, 1), "bistro", "table-1", -59, 0.0}});
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  ASSERT_NE(plan->find_beacon(key(1, 1)), nullptr);
  EXPECT_EQ(plan->find_beacon(key(1, 1))->zone_id, "table-1");
  EXPECT_EQ(plan->find_beacon(key(1, 2)), nullptr);
  ASSERT_NE(plan->find_zone("bistro", "table-1"), nullptr);
  EXPECT_EQ(plan->find_zone("bistro", "table-1")->store_id, "bistro");
  EXPECT_EQ(plan->find_zone("other", "table-1"), nullptr);
}

TEST(FloorPlan, RejectsBeaconPointingAtAnotherStoresZone) {
  Store a{"a", "A", {{"table-1", "", ZoneKind::kTable, "Table 1"}}};
  Store b{"b", "B", {{"table-9", "", ZoneKind::kTable, "Table 9"}}};
  auto plan = FloorPlan::build({a, b}, {Beacon{key(1, 1), "a", "table-9", -59, 0.0}});
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kNotFound);
}

TEST(FloorPlan, RejectsTheSameBeaconTwice) {
  Store a{"a", "A", {{"table-1", "", ZoneKind::kTable, "Table 1"}}};
  auto plan =
      FloorPlan::build({a}, {Beacon{key(1, 1), "a", "table-1", -59, 0.0}, Beacon{key(1, 1), "a", "table-1", -60, 0.0}});
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kAlreadyExists);
}

TEST(BeaconUuid, ParsesCanonicalFormAndRejectsTheRest) {
  auto uuid = BeaconUuid::parse("F7826DA6-4FA2-4E98-8024-BC5B71E0893E");
  ASSERT_TRUE(uuid.has_value());
  EXPECT_EQ(uuid->to_string(), "f7826da6-4fa2-4e98-8024-bc5b71e0893e");
  EXPECT_FALSE(BeaconUuid::parse("").has_value());
  EXPECT_FALSE(BeaconUuid::parse("f7826da64fa24e988024bc5b71e0893e").has_value());
  EXPECT_FALSE(BeaconUuid::parse("f7826da6-4fa2-4e98-8024-bc5b71e0893g").has_value());
  EXPECT_FALSE(BeaconUuid::parse("f7826da6+4fa2-4e98-8024-bc5b71e0893e").has_value());
}

}  // namespace
}  // namespace tastesync::domain
