#include "application/use_cases/calibration_use_case.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mocks/in_memory_ports.h"
#include "mocks/in_memory_registry_admin.h"
#include "support/expect_rejected.h"

namespace tastesync::application {
namespace {

using domain::CalibrationMode;
using domain::ErrorCode;

constexpr const char* kUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";

const Principal kAdmin{"ops", Role::kAdmin, "", {}, {}};
const Principal kStaffBistro{"waiter", Role::kStaff, "bistro", {}, {}};
const Principal kStaffCafe{"barista", Role::kStaff, "cafe", {}, {}};
const Principal kScanner{"door", Role::kScanner, "bistro", {}, {}};
const Principal kAlice{"alice", Role::kCustomer, "", {}, {}};

domain::FloorPlan starting_plan() {
  const auto uuid = *domain::BeaconUuid::parse(kUuid);
  domain::Store bistro{"bistro", "Bistro", {}};
  bistro.zones.push_back({"entrance", "", domain::ZoneKind::kEntrance, "Entrance"});
  bistro.zones.push_back({"table-1", "", domain::ZoneKind::kTable, "Table 1"});
  bistro.zones.push_back({"table-2", "", domain::ZoneKind::kTable, "Table 2"});
  domain::Store cafe{"cafe", "Cafe", {{"terrace-1", "", domain::ZoneKind::kTable, "Terrace 1"}}};
  std::vector<domain::Beacon> beacons{{{uuid, 100, 0}, "bistro", "entrance", -59, 0.0},
                                      {{uuid, 100, 1}, "bistro", "table-1", -59, 0.0}};
  return *domain::FloorPlan::build({bistro, cafe}, beacons);
}

std::vector<FingerprintReadingRequest> scan(std::vector<std::pair<std::int64_t, std::int64_t>> minor_rssi) {
  std::vector<FingerprintReadingRequest> readings;
  for (const auto& [minor, rssi] : minor_rssi) readings.push_back({kUuid, 100, minor, rssi});
  return readings;
}

FingerprintSampleRequest sample(std::string zone, std::vector<std::pair<std::int64_t, std::int64_t>> minor_rssi) {
  return {std::move(zone), scan(std::move(minor_rssi))};
}

ImportFingerprintsRequest calibration() {
  return {"bistro",
          {sample("entrance", {{0, -55}, {1, -80}}), sample("table-1", {{0, -82}, {1, -60}}),
           sample("table-1", {{0, -200}, {1, -62}})}};
}

class CalibrationUseCaseTest : public ::testing::Test {
 protected:
  CalibrationUseCaseTest()
      : registry_(starting_plan()), registry_admin_(registry_), calibration_(registry_admin_, registry_) {}

  // Asserts the call failed with `code` (and `field`, when given) and that
  // nothing was written: the registry still serves the very same snapshot.
  template <typename T>
  void expect_rejected(const domain::Result<T>& result, ErrorCode code, const std::string& field = {}) {
    testing::expect_rejected_unchanged(result, code, field, registry_.current(), plan_before_);
    // What the API shows names the sample ("samples[3]") once.
    const std::string at = field.substr(0, field.find(']') + 1);
    if (!result && !at.empty()) {
      const std::string shown = domain::describe(result.error());
      EXPECT_EQ(shown.find(at, shown.find(at) + 1), std::string::npos) << shown;
    }
  }

  std::size_t stored(const std::string& zone) const {
    const domain::StoreFingerprints* samples = registry_.current()->store_fingerprints("bistro");
    if (samples == nullptr) return 0;
    return static_cast<std::size_t>(std::count_if(samples->samples.begin(), samples->samples.end(),
                                                  [&zone](const auto& s) { return s.zone_id == zone; }));
  }

  testing::InMemoryBeaconRegistry registry_;
  testing::InMemoryRegistryAdmin registry_admin_;
  CalibrationUseCase calibration_;
  domain::FloorPlanPtr plan_before_ = registry_.current();
};

// ---- import --------------------------------------------------------------------

TEST_F(CalibrationUseCaseTest, ImportFingerprintsCalibratesTheStoreAndReports) {
  EXPECT_EQ(registry_.current()->find_fingerprints("bistro"), nullptr);
  auto imported = calibration_.import_fingerprints(kAdmin, calibration());
  ASSERT_TRUE(imported.has_value()) << imported.error().message;
  EXPECT_EQ(imported->samples, 3u);
  EXPECT_EQ(imported->zones, 2u);
  const domain::FingerprintClassifier* classifier = registry_.current()->find_fingerprints("bistro");
  ASSERT_NE(classifier, nullptr);
  EXPECT_EQ(classifier->samples(), 3u);
  // -200 is "not heard": the third sample holds one reading.
  EXPECT_EQ(registry_.current()->store_fingerprints("bistro")->samples[2].readings.size(), 1u);
  // The answer reports the store as it now is: every zone, samples per zone.
  ASSERT_TRUE(imported->calibration.has_value());
  EXPECT_EQ(imported->calibration->samples, 3u);
  ASSERT_EQ(imported->calibration->report.zones.size(), 3u);
  EXPECT_EQ(imported->calibration->labels[1], "Table 1");
  EXPECT_EQ(imported->calibration->report.zones[0].recorded, 1u);
  EXPECT_EQ(imported->calibration->report.zones[1].recorded, 2u);
  EXPECT_EQ(imported->calibration->report.zones[2].recorded, 0u);
  // A new import without a mode replaces the old one.
  ASSERT_TRUE(calibration_.import_fingerprints(kAdmin, {"bistro", {sample("table-1", {{1, -60}})}}));
  EXPECT_EQ(registry_.current()->find_fingerprints("bistro")->samples(), 1u);
}

TEST_F(CalibrationUseCaseTest, ChunksAppendOrReplaceTheirZones) {
  ASSERT_TRUE(calibration_.import_fingerprints(kAdmin, calibration()));
  ImportFingerprintsRequest more{"bistro", {sample("table-2", {{1, -70}}), sample("table-2", {{1, -71}})}};
  more.mode = CalibrationMode::kAppend;
  ASSERT_TRUE(calibration_.import_fingerprints(kAdmin, more));
  EXPECT_EQ(stored("entrance"), 1u);
  EXPECT_EQ(stored("table-1"), 2u);
  EXPECT_EQ(stored("table-2"), 2u);
  // Replacing table 1's samples leaves the other zones alone.
  ImportFingerprintsRequest redo{"bistro", {sample("table-1", {{1, -58}})}};
  redo.mode = CalibrationMode::kReplaceZones;
  auto replaced = calibration_.import_fingerprints(kAdmin, redo);
  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  EXPECT_EQ(stored("entrance"), 1u);
  EXPECT_EQ(stored("table-1"), 1u);
  EXPECT_EQ(stored("table-2"), 2u);
  EXPECT_EQ(replaced->calibration->samples, 4u);
  // The first chunk of a whole-store import drops every other zone.
  ImportFingerprintsRequest fresh{"bistro", {sample("entrance", {{0, -50}})}};
  fresh.mode = CalibrationMode::kReplaceStore;
  ASSERT_TRUE(calibration_.import_fingerprints(kAdmin, fresh));
  EXPECT_EQ(stored("entrance"), 1u);
  EXPECT_EQ(stored("table-1"), 0u);
  EXPECT_EQ(stored("table-2"), 0u);
}

TEST_F(CalibrationUseCaseTest, ValidateOnlyChecksEverythingAndWritesNothing) {
  ImportFingerprintsRequest check = calibration();
  check.validate_only = true;
  auto checked = calibration_.import_fingerprints(kAdmin, check);
  ASSERT_TRUE(checked.has_value()) << checked.error().message;
  EXPECT_EQ(checked->samples, 3u);
  EXPECT_FALSE(checked->calibration.has_value());
  EXPECT_EQ(registry_.current(), plan_before_);
  check.samples.push_back(sample("table-9", {{1, -60}}));
  expect_rejected(calibration_.import_fingerprints(kAdmin, check), ErrorCode::kNotFound, "samples[3].zone_id");
}

TEST_F(CalibrationUseCaseTest, TheStoreHoldsAtMostFiftyThousandSamplesHoweverChunked) {
  ImportFingerprintsRequest big{"bistro", std::vector<FingerprintSampleRequest>(30000, sample("table-1", {{1, -60}}))};
  ASSERT_TRUE(calibration_.import_fingerprints(kAdmin, big));
  plan_before_ = registry_.current();
  big.mode = CalibrationMode::kAppend;
  expect_rejected(calibration_.import_fingerprints(kAdmin, big), ErrorCode::kFailedPrecondition, "samples");
  // Replacing the same zone instead stays within the cap.
  big.mode = CalibrationMode::kReplaceZones;
  EXPECT_TRUE(calibration_.import_fingerprints(kAdmin, big).has_value());
  ImportFingerprintsRequest too_many{"bistro",
                                     std::vector<FingerprintSampleRequest>(50001, sample("table-1", {{1, -60}}))};
  plan_before_ = registry_.current();
  expect_rejected(calibration_.import_fingerprints(kAdmin, too_many), ErrorCode::kInvalidArgument, "samples");
}

TEST_F(CalibrationUseCaseTest, ImportFingerprintsRejectsBadSamplesAndWritesNothing) {
  expect_rejected(calibration_.import_fingerprints(kStaffBistro, calibration()), ErrorCode::kPermissionDenied);
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"nowhere", {sample("table-1", {{1, -60}})}}),
                  ErrorCode::kNotFound, "store_id");
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"bistro", {}}), ErrorCode::kInvalidArgument, "samples");
  // A zone of another store, and one nobody has.
  expect_rejected(calibration_.import_fingerprints(
                      kAdmin, {"bistro", {sample("table-1", {{1, -60}}), sample("terrace-1", {{1, -60}})}}),
                  ErrorCode::kNotFound, "samples[1].zone_id");
  // A beacon not registered in the store.
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"bistro", {sample("table-1", {{1, -60}, {9, -70}})}}),
                  ErrorCode::kNotFound, "samples[0].readings[1]");
  // RSSI outside -127..-1 (other than -200), a malformed UUID, nothing heard, a beacon twice.
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"bistro", {sample("table-1", {{1, 0}})}}),
                  ErrorCode::kInvalidArgument, "samples[0].readings[0].rssi");
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"bistro", {sample("table-1", {{1, -128}})}}),
                  ErrorCode::kInvalidArgument, "samples[0].readings[0].rssi");
  FingerprintSampleRequest bad_uuid{"table-1", {{"not-a-uuid", 100, 1, -60}}};
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"bistro", {bad_uuid}}), ErrorCode::kInvalidArgument,
                  "samples[0].readings[0].uuid");
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"bistro", {sample("table-1", {{1, -200}})}}),
                  ErrorCode::kInvalidArgument, "samples[0].readings");
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"bistro", {sample("table-1", {{1, -60}, {1, -61}})}}),
                  ErrorCode::kInvalidArgument, "samples[0].readings[1]");
  expect_rejected(calibration_.import_fingerprints(kAdmin, {"bistro", {sample("bad zone!", {{1, -60}})}}),
                  ErrorCode::kInvalidArgument, "samples[0].zone_id");
  // One bad sample among good ones: none of them is stored.
  expect_rejected(
      calibration_.import_fingerprints(
          kAdmin,
          {"bistro", {sample("table-1", {{1, -60}}), sample("table-1", {{1, -60}}), sample("table-2", {{1, 5}})}}),
      ErrorCode::kInvalidArgument, "samples[2].readings[0].rssi");
}

// ---- recording (learn mode) ---------------------------------------------------

TEST_F(CalibrationUseCaseTest, StaffRecordTheirOwnStoresZones) {
  RecordCalibrationRequest recording{"bistro", "table-2", {scan({{1, -70}}), scan({{0, -90}, {1, -72}})}};
  auto recorded = calibration_.record(kStaffBistro, recording);
  ASSERT_TRUE(recorded.has_value()) << recorded.error().message;
  EXPECT_EQ(recorded->samples, 2u);
  EXPECT_EQ(recorded->zone_samples, 2u);
  EXPECT_EQ(stored("table-2"), 2u);
  // Appended by default; an admin may record any store.
  recorded = calibration_.record(kAdmin, recording);
  ASSERT_TRUE(recorded.has_value()) << recorded.error().message;
  EXPECT_EQ(recorded->zone_samples, 4u);
  // Replacing the zone's samples.
  recording.mode = CalibrationMode::kReplaceZones;
  recording.scans.pop_back();
  recorded = calibration_.record(kStaffBistro, recording);
  ASSERT_TRUE(recorded.has_value()) << recorded.error().message;
  EXPECT_EQ(recorded->zone_samples, 1u);
  EXPECT_EQ(recorded->calibration->samples, 1u);
}

TEST_F(CalibrationUseCaseTest, RecordingChecksWhoAndWhatAndWritesNothingWhenRefused) {
  const RecordCalibrationRequest good{"bistro", "table-2", {scan({{1, -70}})}};
  expect_rejected(calibration_.record(kStaffCafe, good), ErrorCode::kPermissionDenied);
  expect_rejected(calibration_.record(Principal{"w", Role::kStaff, "", {}, {}}, good), ErrorCode::kPermissionDenied);
  expect_rejected(calibration_.record(kScanner, good), ErrorCode::kPermissionDenied);
  expect_rejected(calibration_.record(kAlice, good), ErrorCode::kPermissionDenied);
  RecordCalibrationRequest bad = good;
  bad.mode = CalibrationMode::kReplaceStore;
  expect_rejected(calibration_.record(kStaffBistro, bad), ErrorCode::kInvalidArgument, "mode");
  bad = good;
  bad.zone_id = "table-9";
  expect_rejected(calibration_.record(kStaffBistro, bad), ErrorCode::kNotFound, "zone_id");
  bad.zone_id = "terrace-1";  // the cafe's
  expect_rejected(calibration_.record(kStaffBistro, bad), ErrorCode::kNotFound, "zone_id");
  bad = good;
  bad.scans.clear();
  expect_rejected(calibration_.record(kStaffBistro, bad), ErrorCode::kInvalidArgument, "scans");
  bad = good;
  bad.scans.push_back(scan({{1, -300}}));
  expect_rejected(calibration_.record(kStaffBistro, bad), ErrorCode::kInvalidArgument, "scans[1].readings[0].rssi");
  bad = good;
  bad.scans.push_back(scan({{1, -200}}));
  expect_rejected(calibration_.record(kStaffBistro, bad), ErrorCode::kInvalidArgument, "scans[1].readings");
  bad = good;
  bad.store_id = "cafe";
  bad.zone_id = "terrace-1";  // the bistro's beacons are not the cafe's
  expect_rejected(calibration_.record(kAdmin, bad), ErrorCode::kNotFound, "scans[0].readings[0]");
}

// ---- the report ---------------------------------------------------------------

TEST_F(CalibrationUseCaseTest, TheReportIsForAdminsAndThatStoresStaff) {
  auto empty = calibration_.report(kStaffBistro, "bistro");
  ASSERT_TRUE(empty.has_value()) << empty.error().message;
  EXPECT_EQ(empty->samples, 0u);
  ASSERT_EQ(empty->report.zones.size(), 3u);  // every zone, none calibrated
  EXPECT_EQ(empty->report.zones[0].recorded, 0u);
  ASSERT_TRUE(calibration_.import_fingerprints(kAdmin, calibration()));
  auto full = calibration_.report(kAdmin, "bistro");
  ASSERT_TRUE(full.has_value()) << full.error().message;
  EXPECT_EQ(full->samples, 3u);
  EXPECT_EQ(full->report.zones[1].recorded, 2u);
  plan_before_ = registry_.current();
  expect_rejected(calibration_.report(kStaffCafe, "bistro"), ErrorCode::kPermissionDenied);
  expect_rejected(calibration_.report(kAlice, "bistro"), ErrorCode::kPermissionDenied);
  expect_rejected(calibration_.report(kAdmin, "nowhere"), ErrorCode::kNotFound, "store_id");
  expect_rejected(calibration_.report(kAdmin, "bad store!"), ErrorCode::kInvalidArgument, "store_id");
}

}  // namespace
}  // namespace tastesync::application
