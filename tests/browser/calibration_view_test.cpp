// The floor page's Calibration tab in chromium: a store calibrated with two
// tables that hear the same (and two that do not) is shown to its staff with
// the samples of each zone and the pair too similar to tell apart
// (calibration_view.mjs).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "browser/node_process.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using application::Role;
namespace v1 = ::tastesync::customer_id::v1;

TEST(CalibrationView, StaffSeeTheirStoresCalibrationReport) {
  RunningServer server;
  ASSERT_GT(server.http_port(), 0);
  auto admin = v1::Admin::NewStub(server.channel());
  const std::string admin_token = token_for("calibration-view-admin", Role::kAdmin);
  const std::string store = unique_customer("calview");
  const auto major = static_cast<unsigned>(std::hash<std::string>{}(store) % 60000 + 1000);
  const auto ok = [&](const std::function<grpc::Status(grpc::ClientContext&)>& rpc) {
    const grpc::Status status = rpc(*authorized(admin_token));
    ASSERT_TRUE(status.ok()) << status.error_message();
  };
  v1::CreateStoreRequest create;
  create.set_store_id(store);
  create.set_name("Calibrated bistro");
  ok([&](auto& c) {
    v1::CreateStoreResponse r;
    return admin->CreateStore(&c, create, &r);
  });
  for (const char* zone : {"entrance", "table-1", "table-2", "table-3"}) {
    v1::AddZoneRequest add;
    add.set_store_id(store);
    add.set_zone_id(zone);
    add.set_kind(std::string(zone) == "entrance" ? v1::ENTRANCE : v1::TABLE);
    add.set_label(std::string(zone) == "entrance" ? "Entrance" : "Table " + std::string(zone).substr(6));
    ok([&](auto& c) {
      v1::AddZoneResponse r;
      return admin->AddZone(&c, add, &r);
    });
  }
  for (const auto& [minor, zone] : {std::pair{1u, "entrance"}, std::pair{2u, "table-1"}}) {
    v1::RegisterBeaconRequest beacon;
    beacon.set_uuid(kDemoUuid);
    beacon.set_major(major);
    beacon.set_minor(minor);
    beacon.set_store_id(store);
    beacon.set_zone_id(zone);
    ok([&](auto& c) {
      v1::RegisterBeaconResponse r;
      return admin->RegisterBeacon(&c, beacon, &r);
    });
  }
  // Table 1 loud on its beacon, tables 2 and 3 alike; the entrance unrecorded.
  v1::ImportFingerprintsRequest calibration;
  calibration.set_store_id(store);
  const auto add = [&](const char* zone, int entrance_rssi, int table_rssi) {
    v1::FingerprintSample* sample = calibration.add_samples();
    sample->set_zone_id(zone);
    for (const auto& [minor, rssi] : {std::pair{1u, entrance_rssi}, std::pair{2u, table_rssi}}) {
      v1::FingerprintReading* reading = sample->add_readings();
      reading->set_uuid(kDemoUuid);
      reading->set_major(major);
      reading->set_minor(minor);
      reading->set_rssi(rssi);
    }
  };
  for (int i = 0; i < 8; ++i) {
    const int wobble = i % 3 - 1;
    add("table-1", -80 + wobble, -50 + wobble);
    add("table-2", -66 + wobble, -66 - wobble);
    add("table-3", -66 - wobble, -66 + wobble);
  }
  ok([&](auto& c) {
    v1::ImportFingerprintsResponse r;
    return admin->ImportFingerprints(&c, calibration, &r);
  });

  const std::vector<std::string> variables{
      "FLOOR_URL=https://127.0.0.1:" + std::to_string(server.http_port()),
      "NODE_EXTRA_CA_CERTS=" + (dev_keys_dir() / "ca.crt").string(),
      "STAFF_TOKEN=" + token_for("calibration-view-owner", Role::kStaff, store),
      "OTHER_STAFF_TOKEN=" + token_for("calibration-view-rival", Role::kStaff, "rival-grill"),
      "STORE=" + store,
  };
  const std::string script = (source_dir() / "tests/browser/calibration_view.mjs").string();
  EXPECT_EQ(run_node({"node", script}, variables), 0) << "calibration_view.mjs failed; its output is above";
}

}  // namespace
}  // namespace tastesync::testing
