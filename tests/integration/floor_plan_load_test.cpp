// `customer-idctl load-floor-plan` against the real server: a store loaded
// from a file without positions, then loaded again from the same file with
// its zones' positions (what an owner does once they have measured them).
// The zones the store has keep their label and get the file's layout and
// position (UpdateZone), as the server's own floor_plan.file does.

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <string>

#include "admin.grpc.pb.h"
#include "integration/ctl_run.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using application::Role;

class FloorPlanLoadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RunningServer(); }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0);
    delete server_;
  }

  // The store as a floor-plan file; `placed` adds each zone's position and
  // layout, `table_label` is table-1's label.
  CtlRun load(const std::string& store, bool placed, const std::string& table_label) const {
    const auto path = server_->work_dir() / (store + (placed ? "-placed" : "") + ".yaml");
    std::ofstream yaml(path);
    const auto placement = [&](double x) {
      if (!placed) return std::string{};
      return ", position: {x: " + std::to_string(x) + ", y: 1.5}, layout: {x: " + std::to_string(x - 0.5) +
             ", y: 1, width: 1, height: 1}";
    };
    yaml << "stores:\n  - id: " << store << "\n    name: Measured cafe\n    zones:\n"
         << "      - {id: entrance, kind: entrance, label: Entrance" << placement(0.5) << "}\n"
         << "      - {id: table-1, kind: table, label: " << table_label << placement(2.5) << "}\n"
         << "    beacons:\n"
         << "      - {uuid: " << kDemoUuid << ", major: " << std::hash<std::string>{}(store) % 60000 + 1000
         << ", minor: 1, zone: table-1, tx_power: -59}\n";
    yaml.close();
    return run_ctl_as_admin(*server_,
                            "load-floor-plan " + path.string() + " --out-dir " + (server_->work_dir() / "qr").string());
  }

  // The store's zones as GetStoreFloor shows them.
  static std::map<std::string, v1::FloorZone> floor(const std::string& store) {
    auto admin = v1::Admin::NewStub(server_->channel());
    v1::GetStoreFloorRequest request;
    request.set_store_id(store);
    v1::GetStoreFloorResponse response;
    const grpc::Status status =
        admin->GetStoreFloor(authorized(token_for("ops", Role::kAdmin)).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::map<std::string, v1::FloorZone> zones;
    for (const v1::FloorZone& zone : response.zones()) zones[zone.zone_id()] = zone;
    return zones;
  }

  static RunningServer* server_;
};

RunningServer* FloorPlanLoadTest::server_ = nullptr;

TEST_F(FloorPlanLoadTest, LoadingAgainGivesTheStoresZonesTheFilesPositionsAndKeepsTheirLabels) {
  ASSERT_GT(server_->port(), 0);
  const std::string store = unique_customer("measured");
  const CtlRun first = load(store, false, "Table 1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("zone " + store + "/table-1: added"), std::string::npos) << first.output;
  EXPECT_FALSE(floor(store)["table-1"].has_position());

  const CtlRun again = load(store, true, "Window");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("zone " + store + "/table-1: layout and position updated"), std::string::npos)
      << again.output;
  auto zones = floor(store);
  ASSERT_EQ(zones.size(), 2U);
  ASSERT_TRUE(zones["table-1"].has_position());
  EXPECT_DOUBLE_EQ(zones["table-1"].position().x(), 2.5);
  EXPECT_DOUBLE_EQ(zones["table-1"].position().y(), 1.5);
  EXPECT_DOUBLE_EQ(zones["table-1"].layout().width(), 1.0);
  EXPECT_EQ(zones["table-1"].label(), "Table 1");  // the file does not rename a zone the store has
  ASSERT_TRUE(zones["entrance"].has_position());
  EXPECT_DOUBLE_EQ(zones["entrance"].position().x(), 0.5);

  // A third run without positions changes nothing it does not give.
  const CtlRun unplaced = load(store, false, "Table 1");
  ASSERT_EQ(unplaced.exit_code, 0) << unplaced.output;
  EXPECT_EQ(unplaced.output.find("updated"), std::string::npos) << unplaced.output;
  EXPECT_DOUBLE_EQ(floor(store)["table-1"].position().x(), 2.5);
}

}  // namespace
}  // namespace tastesync::testing
