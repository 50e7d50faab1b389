// Calibration a store can do, on the default configuration (64 KiB gRPC
// messages, 64 KiB HTTPS bodies): 10,000 samples imported through
// `customer-idctl import-fingerprints` over gRPC and in chunks over HTTPS;
// staff recording a zone in learn mode; the calibration report after each
// write and on its own, for that store's staff only.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "infrastructure/floorplan/fingerprint_chunks.h"
#include "integration/ctl_run.h"
#include "integration/https_client.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using application::Role;
using nlohmann::json;

constexpr int kSamples = 10000;
constexpr int kBeacons = 3;
const std::vector<std::string> kZones{"entrance", "table-1", "table-2", "table-3", "table-4", "table-5"};

class LargeCalibrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RunningServer(); }  // the default limits
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0);
    delete server_;
  }

  void SetUp() override {
    ASSERT_GT(server_->port(), 0);
    admin_ = v1::Admin::NewStub(server_->channel());
    store_ = unique_customer("cal");
    major_ = static_cast<unsigned>(std::hash<std::string>{}(store_) % 60000 + 1000);
    // Three beacons for six zones: the tables between them need calibration.
    std::vector<TestBeacon> beacons;
    for (unsigned minor = 1; minor <= kBeacons; ++minor) beacons.push_back({minor, kZones[2 * minor - 2], {}});
    const grpc::Status created = create_test_store(*admin_, token_for("ops", Role::kAdmin), store_,
                                                   "Calibrated brasserie", kZones, major_, beacons);
    ASSERT_TRUE(created.ok()) << created.error_message();
  }

  // Leaves the store with one sample, so the suite's later registry reloads
  // do not carry 10,000 of them.
  void TearDown() override {
    v1::ImportFingerprintsRequest request;
    request.set_store_id(store_);
    request.set_mode(v1::CALIBRATION_REPLACE_STORE);
    *request.add_samples() = sample(0);
    v1::ImportFingerprintsResponse response;
    EXPECT_TRUE(call([&](auto& c) { return admin_->ImportFingerprints(&c, request, &response); }).ok());
  }

  grpc::Status call(const std::function<grpc::Status(grpc::ClientContext&)>& rpc,
                    const std::string& token = token_for("ops", Role::kAdmin)) {
    return rpc(*authorized(token));
  }

  // Sample i: zone i mod 6, each beacon at a level that depends on the zone,
  // with a little noise.
  static int rssi(int i, int minor) {
    const int zone = i % static_cast<int>(kZones.size());
    const int distance = std::abs(zone - 2 * (minor - 1));
    return -55 - 6 * distance + (i * 7 + minor) % 5 - 2;
  }
  v1::FingerprintSample sample(int i) const {
    v1::FingerprintSample out;
    out.set_zone_id(kZones[static_cast<std::size_t>(i) % kZones.size()]);
    for (int minor = 1; minor <= kBeacons; ++minor) {
      v1::FingerprintReading* reading = out.add_readings();
      reading->set_uuid(kDemoUuid);
      reading->set_major(major_);
      reading->set_minor(static_cast<unsigned>(minor));
      reading->set_rssi(rssi(i, minor));
    }
    return out;
  }
  json sample_json(int i) const {
    json readings = json::array();
    for (int minor = 1; minor <= kBeacons; ++minor) {
      readings.push_back({{"uuid", kDemoUuid}, {"major", major_}, {"minor", minor}, {"rssi", rssi(i, minor)}});
    }
    return {{"zoneId", kZones[static_cast<std::size_t>(i) % kZones.size()]}, {"readings", readings}};
  }

  static void expect_full_report(const json& report, std::size_t samples) {
    EXPECT_EQ(report.value("samples", 0u), samples) << report.dump();
    ASSERT_EQ(report["zones"].size(), kZones.size()) << report.dump();
    for (const json& zone : report["zones"]) {
      EXPECT_GE(zone.value("samples", 0u), samples / kZones.size()) << zone.dump();
      EXPECT_EQ(zone["placed"].size(), kZones.size()) << zone.dump();
    }
  }

  static RunningServer* server_;
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::string store_;
  unsigned major_ = 0;
};

RunningServer* LargeCalibrationTest::server_ = nullptr;

TEST_F(LargeCalibrationTest, TenThousandSamplesImportOverGrpcWithTheCtl) {
  // One request with all of them is far over the 64 KiB default: the reason
  // for chunks.
  v1::ImportFingerprintsRequest whole;
  whole.set_store_id(store_);
  for (int i = 0; i < kSamples; ++i) *whole.add_samples() = sample(i);
  ASSERT_GT(whole.ByteSizeLong(), 64U * 1024U);
  v1::ImportFingerprintsResponse refused;
  EXPECT_EQ(call([&](auto& c) { return admin_->ImportFingerprints(&c, whole, &refused); }).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  const auto path = server_->work_dir() / (store_ + ".csv");
  {
    std::ofstream csv(path);
    csv << "zone";
    for (int minor = 1; minor <= kBeacons; ++minor) csv << "," << kDemoUuid << ":" << major_ << ":" << minor;
    csv << "\n";
    for (int i = 0; i < kSamples; ++i) {
      csv << kZones[static_cast<std::size_t>(i) % kZones.size()];
      for (int minor = 1; minor <= kBeacons; ++minor) csv << "," << rssi(i, minor);
      csv << "\n";
    }
  }
  const CtlRun run = import_fingerprints_with_ctl(*server_, path, store_);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string& output = run.output;
  std::printf("%s", output.c_str());  // what the ctl says of a 10,000-sample calibration (docs/api.md)
  EXPECT_NE(output.find("10000 fingerprint samples over 6 zones imported"), std::string::npos) << output;
  EXPECT_NE(output.find("the store now has 10000"), std::string::npos) << output;
  EXPECT_NE(output.find("calibration report:"), std::string::npos) << output;

  v1::GetCalibrationReportRequest request;
  request.set_store_id(store_);
  v1::CalibrationReport report;
  ASSERT_TRUE(call([&](auto& c) { return admin_->GetCalibrationReport(&c, request, &report); },
                   token_for("maitre-d", Role::kStaff, store_))
                  .ok());
  EXPECT_EQ(report.samples(), static_cast<unsigned>(kSamples));
  ASSERT_EQ(report.zones_size(), static_cast<int>(kZones.size()));
  for (const auto& zone : report.zones()) {
    EXPECT_GE(zone.samples(), static_cast<unsigned>(kSamples) / kZones.size()) << zone.zone_id();
    EXPECT_GT(zone.placed_right(), 0u) << zone.zone_id();
  }
}

TEST_F(LargeCalibrationTest, TenThousandSamplesImportOverHttpsInChunks) {
  HttpsClient client(server_->http_port());
  const std::string admin = token_for("ops", Role::kAdmin);
  const std::string path = "/v1/stores/" + store_ + "/fingerprints";
  // The whole file in one body is refused by size.
  json whole = json::array();
  for (int i = 0; i < kSamples; ++i) whole.push_back(sample_json(i));
  EXPECT_EQ(client.request("POST", path, json{{"samples", whole}}.dump(), admin, {"Expect: 100-continue"}).status, 413);

  std::vector<std::string> zones;
  std::vector<std::size_t> bytes;
  for (const json& s : whole) {
    zones.push_back(s["zoneId"].get<std::string>());
    bytes.push_back(s.dump().size() + 1);
  }
  const auto chunks =
      infrastructure::plan_fingerprint_chunks(zones, bytes, 60000, domain::CalibrationMode::kReplaceStore);
  ASSERT_GT(chunks.size(), 10u);
  json last;
  for (const auto& chunk : chunks) {
    json samples = json::array();
    for (const std::size_t i : chunk.samples) samples.push_back(whole[i]);
    const std::string mode =
        chunk.mode == domain::CalibrationMode::kReplaceStore ? "CALIBRATION_REPLACE_STORE" : "CALIBRATION_APPEND";
    const HttpAnswer answer = client.post(path, json{{"samples", samples}, {"mode", mode}}.dump(), admin);
    ASSERT_EQ(answer.status, 200) << answer.body;
    last = json::parse(answer.body);
    EXPECT_EQ(last.value("samples", 0u), chunk.samples.size());
  }
  EXPECT_EQ(last.value("storeSamples", 0u), static_cast<unsigned>(kSamples));
  expect_full_report(last["report"], kSamples);

  // The report on its own: the store's staff and admins, nobody else.
  const std::string report_path = "/v1/stores/" + store_ + "/calibration";
  const HttpAnswer report = client.get(report_path, token_for("maitre-d", Role::kStaff, store_));
  ASSERT_EQ(report.status, 200) << report.body;
  expect_full_report(json::parse(report.body), kSamples);
  EXPECT_EQ(client.get(report_path, token_for("rival", Role::kStaff, "rival-grill")).status, 403);
  EXPECT_EQ(client.get(report_path, token_for("alice")).status, 403);
  EXPECT_EQ(client.get(report_path).status, 401);
}

TEST_F(LargeCalibrationTest, StaffRecordAZoneInLearnMode) {
  HttpsClient client(server_->http_port());
  const std::string staff = token_for("maitre-d", Role::kStaff, store_);
  const std::string path = "/v1/stores/" + store_ + "/zones/table-3/calibration";
  json scans = json::array();
  for (int i = 3; i < 3 + 6 * 20; i += 6) scans.push_back({{"readings", sample_json(i)["readings"]}});
  HttpAnswer answer = client.post(path, json{{"scans", scans}}.dump(), staff);
  ASSERT_EQ(answer.status, 200) << answer.body;
  json recorded = json::parse(answer.body);
  EXPECT_EQ(recorded.value("samples", 0u), 20u);
  EXPECT_EQ(recorded.value("zoneSamples", 0u), 20u);
  ASSERT_EQ(recorded["report"]["zones"].size(), kZones.size());
  EXPECT_EQ(recorded["report"]["zones"][3].value("samples", 0u), 20u);
  // Appended by default; replacing the zone keeps only the new scans.
  answer = client.post(path, json{{"scans", scans}}.dump(), staff);
  EXPECT_EQ(json::parse(answer.body).value("zoneSamples", 0u), 40u) << answer.body;
  answer = client.post(path, json{{"scans", {scans[0]}}, {"mode", "CALIBRATION_REPLACE_ZONES"}}.dump(), staff);
  EXPECT_EQ(json::parse(answer.body).value("zoneSamples", 0u), 1u) << answer.body;

  // A bad reading is refused naming it, and nothing is stored.
  json bad = scans;
  bad[1]["readings"][0]["rssi"] = 7;
  answer = client.post(path, json{{"scans", bad}}.dump(), staff);
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_EQ(json::parse(answer.body).value("field", ""), "scans[1].readings[0].rssi") << answer.body;
  answer = client.post(path, json{{"scans", scans}, {"mode", "CALIBRATION_REPLACE_STORE"}}.dump(), staff);
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_EQ(json::parse(answer.body).value("field", ""), "mode") << answer.body;
  answer = client.post("/v1/stores/" + store_ + "/zones/table-9/calibration", json{{"scans", scans}}.dump(), staff);
  EXPECT_EQ(answer.status, 404) << answer.body;
  // Only the store's own staff (and admins) record.
  EXPECT_EQ(client.post(path, json{{"scans", scans}}.dump(), token_for("rival", Role::kStaff, "rival-grill")).status,
            403);
  EXPECT_EQ(client.post(path, json{{"scans", scans}}.dump(), token_for("alice")).status, 403);
  EXPECT_EQ(client.post(path, json{{"scans", scans}}.dump()).status, 401);
  const HttpAnswer report = client.get("/v1/stores/" + store_ + "/calibration", staff);
  EXPECT_EQ(json::parse(report.body)["zones"][3].value("samples", 0u), 1u) << report.body;

  // The same over gRPC, with a mode the API does not define.
  v1::RecordCalibrationRequest request;
  request.set_store_id(store_);
  request.set_zone_id("table-3");
  *request.add_scans()->mutable_readings() = sample(3).readings();
  request.set_mode(static_cast<v1::CalibrationMode>(9));
  v1::RecordCalibrationResponse response;
  grpc::Status status = call([&](auto& c) { return admin_->RecordCalibration(&c, request, &response); },
                             token_for("maitre-d", Role::kStaff, store_));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  request.set_mode(v1::CALIBRATION_APPEND);
  status = call([&](auto& c) { return admin_->RecordCalibration(&c, request, &response); },
                token_for("maitre-d", Role::kStaff, store_));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.zone_samples(), 2u);
}

}  // namespace
}  // namespace tastesync::testing
