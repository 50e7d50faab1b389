// Fingerprint calibration end to end: a store with fewer beacons than zones
// is calibrated with `customer-idctl import-fingerprints` against the real
// server (PostgreSQL behind it), then Identify places a customer at a table
// that has no beacon of its own, which only the fingerprints can do.

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "admin.grpc.pb.h"
#include "integration/ctl_run.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using application::Role;

class FingerprintImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RunningServer(); }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0);
    delete server_;
  }

  void SetUp() override {
    ASSERT_GT(server_->port(), 0);
    admin_ = v1::Admin::NewStub(server_->channel());
    // A store of its own (other suites use the demo store), with four zones
    // and two beacons: at the entrance and at table 2.
    store_ = unique_customer("fp");
    major_ = static_cast<unsigned>(std::hash<std::string>{}(store_) % 60000 + 1000);
    const grpc::Status created = create_test_store(*admin_, token_for("ops", Role::kAdmin), store_, "Calibrated cafe",
                                                   {"entrance", "table-1", "table-2", "table-3"}, major_,
                                                   {{1, "entrance", -59}, {2, "table-2", -59}});
    ASSERT_TRUE(created.ok()) << created.error_message();
  }

  grpc::Status call(const std::function<grpc::Status(grpc::ClientContext&)>& rpc,
                    const std::string& token = token_for("ops", Role::kAdmin)) {
    return rpc(*authorized(token));
  }

  std::string beacon_column(unsigned minor) const {
    return std::string(kDemoUuid) + ":" + std::to_string(major_) + ":" + std::to_string(minor);
  }

  // Writes `rows` under a header "zone,<beacon 1>,<beacon 2>" and imports it.
  CtlRun import(const std::string& rows) {
    const auto path = server_->work_dir() / (store_ + ".csv");
    std::ofstream(path) << "zone," << beacon_column(1) << "," << beacon_column(2) << "\n" << rows;
    return import_fingerprints_with_ctl(*server_, path, store_);
  }

  // Without `rssi_entrance` the entrance beacon is not heard.
  v1::IdentifyResponse identify(const std::string& customer, std::optional<int> rssi_entrance, int rssi_table2,
                                grpc::Status& status) {
    v1::IdentifyRequest request;
    request.set_request_id(unique_customer("req"));
    if (rssi_entrance) add_sighting(request, 1, *rssi_entrance, major_);
    add_sighting(request, 2, rssi_table2, major_);
    v1::IdentifyResponse response;
    status = v1::CustomerIdentification::NewStub(server_->channel())
                 ->Identify(authorized(token_for(customer)).get(), request, &response);
    return response;
  }

  static RunningServer* server_;
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::string store_;
  unsigned major_ = 0;
};

RunningServer* FingerprintImportTest::server_ = nullptr;

// Table 1 and table 3 have no beacon: one hears both beacons about equally,
// the other hears table 2's a little and the entrance's not at all.
constexpr const char* kCalibration =
    "entrance,-55,-85\nentrance,-57,-83\n"
    "table-1,-70,-72\ntable-1,-72,-70\n"
    "table-2,-85,-55\ntable-2,,-57\n"
    "table-3,-200,-70\ntable-3,,-72\n";

TEST_F(FingerprintImportTest, ImportedFingerprintsPlaceACustomerAtATableWithoutABeacon) {
  // Before calibrating, a customer clearly nearer table 2's beacon is at
  // table 2 (tables 1 and 3 have no beacon: nothing can place anyone there).
  grpc::Status status;
  const auto before = identify(unique_customer("alice"), -80, -62, status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(before.location().zone_id(), "table-2");

  const CtlRun run = import(kCalibration);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("8 fingerprint samples over 4 zones"), std::string::npos) << run.output;

  const auto at_table1 = identify(unique_customer("bob"), -71, -71, status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(at_table1.location().zone_id(), "table-1");
  EXPECT_EQ(at_table1.location().store_id(), store_);
  const auto at_table3 = identify(unique_customer("carol"), std::nullopt, -71, status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(at_table3.location().zone_id(), "table-3");
}

TEST_F(FingerprintImportTest, BadCalibrationFilesAreRejectedNamingTheLine) {
  // Unknown zone: the server's NOT_FOUND, pointed at the CSV line.
  CtlRun run = import("table-1,-70,-72\ntable-9,-70,-72\n");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("has no zone 'table-9'"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("line 3"), std::string::npos) << run.output;
  // Bad number: caught before anything is sent.
  run = import("table-1,-70,loud\n");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("line 2"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("'loud' is not a whole number"), std::string::npos) << run.output;
  // Nothing but rows where nothing was heard.
  run = import("table-1,,\ntable-1,,-200\n");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("no scan in the file heard any of its beacons"), std::string::npos) << run.output;
}

TEST_F(FingerprintImportTest, ScansThatHeardNothingAreLeftOutAndNamed) {
  // A scanning app's export where the phone missed a round of
  // advertisements: the rest of the file is imported, the row named.
  const CtlRun run = import("table-1,-70,-72\ntable-1,,-200\ntable-2,-75,-64\n");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("2 fingerprint samples over 2 zones imported"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("1 scan heard no beacon and was left out (line 3)"), std::string::npos) << run.output;
}

TEST_F(FingerprintImportTest, UnknownBeaconsAndNonAdminsAreRejected) {
  v1::ImportFingerprintsRequest request;
  request.set_store_id(store_);
  v1::FingerprintSample* sample = request.add_samples();
  sample->set_zone_id("table-1");
  v1::FingerprintReading* reading = sample->add_readings();
  reading->set_uuid(kDemoUuid);
  reading->set_major(major_);
  reading->set_minor(7);  // not registered
  reading->set_rssi(-60);
  v1::ImportFingerprintsResponse response;
  grpc::Status status = call([&](auto& c) { return admin_->ImportFingerprints(&c, request, &response); });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_NE(status.error_message().find("is not registered in store"), std::string::npos) << status.error_message();

  reading->set_minor(2);
  status = call([&](auto& c) { return admin_->ImportFingerprints(&c, request, &response); }, token_for("mallory"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  status = call([&](auto& c) { return admin_->ImportFingerprints(&c, request, &response); });
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.samples(), 1u);
}

}  // namespace
}  // namespace tastesync::testing
