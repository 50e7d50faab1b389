// The owners' accuracy test, end to end through the service's public
// interfaces: a store created over the Admin API (its zones and beacons;
// with floor positions, from a floor-plan file by
// `customer-idctl load-floor-plan`, as an owner with a plan would),
// calibrated with `customer-idctl import-fingerprints`
// from the first half of each zone's scans, then the second half replayed
// over HTTPS Identify as one customer per zone. Every answer must be the one
// the domain's zone filter gives for the same reports (make accuracy's
// figures are the domain's): nothing between the phone and the filter (the
// CSV, the import in chunks, the registry's reload, the presence record in
// Redis, the JSON gateway) may change where a customer is placed.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "domain/services/zone_model.h"
#include "domain/services/zone_resolver.h"
#include "integration/ctl_run.h"
#include "integration/https_client.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"
#include "support/two_floor_building.h"

namespace tastesync::testing {
namespace {

using application::Role;
using nlohmann::json;

constexpr std::uint64_t kSeed = 1;
// Answers are scored from a customer's 3rd report on (the owners' rule).
constexpr std::size_t kScoredFrom = 3;

struct Protocol {
  double tx_power_dbm = 0.0;
  bool positions = true;  // the zones' floor positions given to the service
};

class OwnersProtocolTest : public ::testing::TestWithParam<Protocol> {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    // 28 customers replayed in turns report far faster than phones do.
    options.extra_config = "rate_limit:\n  customer_per_second: 0\n";
    server_ = new RunningServer(options);
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0);
    delete server_;
  }

  // The building as this run gives it to the service.
  static TwoFloorBuilding building_for(const std::string& store_id, unsigned major) {
    TwoFloorBuilding building = two_floor_building(
        GetParam().tx_power_dbm, kSeed, BuildingNames{store_id, kDemoUuid, static_cast<std::uint16_t>(major)});
    if (!GetParam().positions)
      for (domain::Zone& zone : building.store.zones) zone.position.reset();
    return building;
  }

  // The building as a floor-plan file (internal/config/demo-store.yaml's
  // format), loaded by customer-idctl.
  static CtlRun load_floor_plan(const TwoFloorBuilding& building) {
    const auto path = server_->work_dir() / (building.store.id + ".yaml");
    std::ofstream yaml(path);
    yaml << "stores:\n  - id: " << building.store.id << "\n    name: " << building.store.name << "\n    zones:\n";
    for (const domain::Zone& zone : building.store.zones) {
      yaml << "      - {id: " << zone.id
           << ", kind: " << (zone.kind == domain::ZoneKind::kEntrance ? "entrance" : "table")
           << ", label: " << zone.label << ", position: {x: " << zone.position->x_m << ", y: " << zone.position->y_m
           << "}}\n";
    }
    yaml << "    beacons:\n";
    for (const domain::Beacon& beacon : building.beacons) {
      yaml << "      - {uuid: " << kDemoUuid << ", major: " << beacon.key.major << ", minor: " << beacon.key.minor
           << ", zone: " << beacon.zone_id << ", tx_power: " << beacon.tx_power_1m << "}\n";
    }
    yaml.close();
    return run_ctl_as_admin(*server_,
                            "load-floor-plan " + path.string() + " --out-dir " + (server_->work_dir() / "qr").string());
  }

  static grpc::Status create(v1::Admin::Stub& admin, const TwoFloorBuilding& building, unsigned major) {
    std::vector<std::string> zones;
    for (const domain::Zone& zone : building.store.zones) zones.push_back(zone.id);
    std::vector<TestBeacon> beacons;
    for (const domain::Beacon& beacon : building.beacons)
      beacons.push_back({beacon.key.minor, beacon.zone_id, beacon.tx_power_1m});
    return create_test_store(admin, token_for("ops", Role::kAdmin), building.store.id, building.store.name, zones,
                             major, beacons);
  }

  // The first half of each zone's scans, as staff would write the CSV: a
  // column per beacon, an empty cell where it was not heard.
  static std::filesystem::path write_calibration(const TwoFloorBuilding& building) {
    const auto path = server_->work_dir() / (building.store.id + ".csv");
    std::ofstream csv(path);
    csv << "zone";
    for (const domain::Beacon& beacon : building.beacons)
      csv << "," << kDemoUuid << ":" << beacon.key.major << ":" << beacon.key.minor;
    csv << "\n";
    for (const auto& zone : building.scans) {
      for (std::size_t i = 0; i < zone.size() / 2; ++i) {
        csv << zone[i].zone_id;
        for (const domain::Beacon& beacon : building.beacons) {
          csv << ",";
          for (const domain::FingerprintReading& reading : zone[i].readings)
            if (reading.beacon == beacon.key) csv << reading.rssi;
        }
        csv << "\n";
      }
    }
    return path;
  }

  static RunningServer* server_;
};

RunningServer* OwnersProtocolTest::server_ = nullptr;

TEST_P(OwnersProtocolTest, TheServiceAnswersWhatTheZoneFilterAnswersForTheSameReports) {
  const std::string store_id = unique_customer("owners");
  const auto major = static_cast<unsigned>(std::hash<std::string>{}(store_id) % 60000 + 1000);
  const TwoFloorBuilding building = building_for(store_id, major);
  auto admin = v1::Admin::NewStub(server_->channel());
  if (GetParam().positions) {
    const CtlRun loaded = load_floor_plan(building);
    ASSERT_EQ(loaded.exit_code, 0) << loaded.output;
  } else {
    const grpc::Status created = create(*admin, building, major);
    ASSERT_TRUE(created.ok()) << created.error_message();
  }
  const CtlRun imported = import_fingerprints_with_ctl(*server_, write_calibration(building), store_id);
  ASSERT_EQ(imported.exit_code, 0) << imported.output;

  // The domain's filter on the same store, calibration and reports.
  std::vector<const domain::Beacon*> beacons;
  for (const domain::Beacon& beacon : building.beacons) beacons.push_back(&beacon);
  domain::StoreFingerprints calibration{store_id, {}};
  for (const auto& zone : building.scans)
    calibration.samples.insert(calibration.samples.end(), zone.begin(), zone.begin() + zone.size() / 2);
  const domain::ZoneModel model = domain::ZoneModel::build(building.store, beacons, &calibration).value();
  const domain::ZoneResolver resolver;

  // The customers take turns, a report each a round, as 28 phones would.
  HttpsClient client(server_->http_port());
  const std::size_t zones = building.scans.size();
  std::vector<std::string> customers;
  std::vector<domain::ResolverState> states(zones);
  for (std::size_t z = 0; z < zones; ++z) customers.push_back(unique_customer("guest"));
  const domain::Timestamp start{std::chrono::seconds{1'800'000'000}};
  std::size_t answers = 0;
  std::size_t same = 0;
  std::size_t service_right = 0;
  std::size_t filter_right = 0;
  const std::size_t half = building.scans.front().size() / 2;
  for (std::size_t i = half; i < building.scans.front().size(); ++i) {
    for (std::size_t z = 0; z < zones; ++z) {
      const domain::FingerprintSample& scan = building.scans[z][i];
      if (scan.readings.empty()) continue;  // a phone that heard nothing sends nothing
      json sightings = json::array();
      std::vector<domain::KnownSighting> report;
      const domain::Timestamp at = start + std::chrono::seconds{i - half};
      for (const domain::FingerprintReading& reading : scan.readings) {
        sightings.push_back(
            {{"uuid", kDemoUuid}, {"major", major}, {"minor", reading.beacon.minor}, {"rssi", reading.rssi}});
        const auto beacon = std::find_if(building.beacons.begin(), building.beacons.end(),
                                         [&](const domain::Beacon& b) { return b.key == reading.beacon; });
        report.push_back(domain::KnownSighting{&*beacon, reading.rssi, std::nullopt, at});
      }
      const json body{{"requestId", unique_customer("scan")}, {"beacons", {{"sightings", sightings}}}};
      const HttpAnswer answer = client.post("/v1/identify", body.dump(), token_for(customers[z]));
      ASSERT_EQ(answer.status, 200) << answer.body << answer.error;
      const std::string served = json::parse(answer.body)["location"].value("zoneId", "");
      const std::string filtered = resolver.resolve(states[z], report, at, &model).zone_id;
      if (i - half + 1 < kScoredFrom) continue;
      ++answers;
      same += served == filtered ? 1 : 0;
      service_right += served == scan.zone_id ? 1 : 0;
      filter_right += filtered == scan.zone_id ? 1 : 0;
    }
  }
  const auto share = [&answers](std::size_t n) {
    return 100.0 * static_cast<double>(n) / static_cast<double>(answers);
  };
  std::printf(
      "owners' protocol at %.0f dBm, %s positions, %zu answers: service %.1f %% right, zone filter %.1f %%, the same "
      "answer %.1f %%\n",
      GetParam().tx_power_dbm, GetParam().positions ? "with" : "without", answers, share(service_right),
      share(filter_right), share(same));
  ASSERT_GT(answers, zones * 40);
  // The service's belief travels in the presence record at 1/256 nat a
  // state; a near-tie may round the other way now and then, never more.
  EXPECT_GE(share(same), 99.0);
  EXPECT_NEAR(share(service_right), share(filter_right), 1.0);

  // One sample left, so the suite's later registry reloads do not carry 1,400.
  v1::ImportFingerprintsRequest shrink;
  shrink.set_store_id(store_id);
  shrink.set_mode(v1::CALIBRATION_REPLACE_STORE);
  v1::FingerprintSample* kept = shrink.add_samples();
  kept->set_zone_id(building.scans.front().front().zone_id);
  for (const domain::FingerprintReading& reading : building.scans.front().front().readings) {
    v1::FingerprintReading* r = kept->add_readings();
    r->set_uuid(kDemoUuid);
    r->set_major(major);
    r->set_minor(reading.beacon.minor);
    r->set_rssi(reading.rssi);
  }
  v1::ImportFingerprintsResponse shrunk;
  const grpc::Status status =
      admin->ImportFingerprints(authorized(token_for("ops", Role::kAdmin)).get(), shrink, &shrunk);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

INSTANTIATE_TEST_SUITE_P(TransmitPowers, OwnersProtocolTest,
                         ::testing::Values(Protocol{0.0, true}, Protocol{-4.0, true}, Protocol{-8.0, true},
                                           Protocol{0.0, false}),
                         [](const ::testing::TestParamInfo<Protocol>& run) {
                           return (run.param.tx_power_dbm < 0 ? "minus" : "") +
                                  std::to_string(static_cast<int>(std::abs(run.param.tx_power_dbm))) + "dBm" +
                                  (run.param.positions ? "WithPositions" : "WithoutPositions");
                         });

}  // namespace
}  // namespace tastesync::testing
