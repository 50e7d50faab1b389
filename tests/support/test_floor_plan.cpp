#include "support/test_floor_plan.h"

#include <string>
#include <vector>

namespace tastesync::testing {

domain::FloorPlan test_floor_plan() {
  domain::Store store{"bistro", "Bistro", {}};
  store.zones.push_back({"entrance", "", domain::ZoneKind::kEntrance, "Entrance"});
  std::vector<domain::Beacon> beacons;
  const auto uuid = *domain::BeaconUuid::parse(kTestUuid);
  beacons.push_back({{uuid, 1, 0}, "bistro", "entrance", -59, 0.0});
  for (int t = 1; t <= 4; ++t) {
    const std::string id = "table-" + std::to_string(t);
    store.zones.push_back({id, "", domain::ZoneKind::kTable, "Table " + std::to_string(t)});
    beacons.push_back({{uuid, 1, static_cast<std::uint16_t>(t)}, "bistro", id, -59, 0.0});
  }
  domain::Store other{"cafe", "Cafe", {{"table-1", "", domain::ZoneKind::kTable, "Table 1"}}};
  beacons.push_back({{uuid, 2, 1}, "cafe", "table-1", -59, 0.0});
  return *domain::FloorPlan::build({store, other}, beacons);
}

}  // namespace tastesync::testing
