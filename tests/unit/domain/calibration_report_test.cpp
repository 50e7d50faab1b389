#include "domain/services/calibration_report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tastesync::domain {
namespace {

BeaconKey key(std::uint16_t minor) { return BeaconKey{BeaconUuid{}, 1, minor}; }

// Table 1 hears beacon 1 loud, table 2 beacon 2 loud; tables 3 and 4 hear
// both alike: the report must name 3/4 and nothing else.
TEST(CalibrationReport, NamesZonesTooSimilarToTellApart) {
  Store store{"bistro", "Bistro", {}};
  for (const char* id : {"table-1", "table-2", "table-3", "table-4"})
    store.zones.push_back(Zone{id, "bistro", ZoneKind::kTable, id});
  const Beacon one{key(1), "bistro", "table-1", -59, 0.0};
  const Beacon two{key(2), "bistro", "table-2", -59, 0.0};
  StoreFingerprints calibration{"bistro", {}};
  for (int i = 0; i < 6; ++i) {
    const int wobble = i % 3 - 1;
    calibration.samples.push_back({"table-1", {{key(1), -50 + wobble}, {key(2), -80 + wobble}}});
    calibration.samples.push_back({"table-2", {{key(1), -80 + wobble}, {key(2), -50 + wobble}}});
    calibration.samples.push_back({"table-3", {{key(1), -65 + wobble}, {key(2), -65 - wobble}}});
    calibration.samples.push_back({"table-4", {{key(1), -65 - wobble}, {key(2), -65 + wobble}}});
  }
  auto report = cross_validated_report(store, {&one, &two}, calibration);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->zones.size(), 4u);
  EXPECT_EQ(report->zones[0].placed_right, 6u);
  EXPECT_EQ(report->zones[1].placed_right, 6u);
  EXPECT_EQ(report->zones[2].most_confused_with, "table-4");
  ASSERT_EQ(report->confusable.size(), 1u);
  EXPECT_EQ(report->confusable[0].a, "table-3");
  EXPECT_EQ(report->confusable[0].b, "table-4");
  EXPECT_GE(report->confusable[0].share, 0.25);
}

// Learn mode with a phone held still: each zone's scans come in runs of the
// same scan (eight). Tables 1 and 2 hear alike (their scans are drawn from the same
// levels); left out one at a time, every scan would be placed back by its
// own repeats and the two tables would look distinct. Left out with its
// block, it is placed as a later visit would be: the pair is named.
TEST(CalibrationReport, RepeatsOfAPhoneHeldStillDoNotHideZonesTooSimilarToTellApart) {
  Store store{"bistro", "Bistro", {}};
  for (const char* id : {"table-1", "table-2"}) store.zones.push_back(Zone{id, "bistro", ZoneKind::kTable, id});
  const Beacon one{key(1), "bistro", "table-1", -59, 0.0};
  const Beacon two{key(2), "bistro", "table-2", -59, 0.0};
  StoreFingerprints calibration{"bistro", {}};
  for (const int table : {1, 2}) {
    for (int i = 0; i < 10; ++i) {
      // Each beacon's levels are the same ten at both tables (spread over
      // 20 dB), paired differently: no scan of one table is another's.
      const int a = -55 - 2 * ((i * 7) % 11);
      const int b = -55 - 2 * (((i + (table == 1 ? 0 : 4)) * 5) % 9);
      for (int repeat = 0; repeat < 8; ++repeat) {
        calibration.samples.push_back({"table-" + std::to_string(table), {{key(1), a}, {key(2), b}}});
      }
    }
  }
  auto report = cross_validated_report(store, {&one, &two}, calibration);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->confusable.size(), 1u);
  EXPECT_EQ(report->confusable[0].a, "table-1");
  EXPECT_EQ(report->confusable[0].b, "table-2");
  // As often in the other table as a coin would put them (one at a time:
  // 28 %, the repeats placing most scans back).
  EXPECT_GE(report->confusable[0].share, 0.5);
}

// Every zone is in the report, in the store's order, with the samples staff
// recorded there; each row of the confusion table adds up to its held-out
// samples; a zone with a single sample, left out, is placed by the others.
TEST(CalibrationReport, CountsEveryZonesSamplesAndPlacements) {
  Store store{"bistro", "Bistro", {}};
  for (const char* id : {"entrance", "table-1", "table-2", "table-3"})
    store.zones.push_back(
        Zone{id, "bistro", std::string(id) == "entrance" ? ZoneKind::kEntrance : ZoneKind::kTable, id});
  const Beacon one{key(1), "bistro", "table-1", -59, 0.0};
  const Beacon two{key(2), "bistro", "table-2", -59, 0.0};
  StoreFingerprints calibration{"bistro", {}};
  for (int i = 0; i < 5; ++i) {
    calibration.samples.push_back({"table-1", {{key(1), -50 - i}, {key(2), -80 + i}}});
    calibration.samples.push_back({"table-2", {{key(1), -80 + i}, {key(2), -50 - i}}});
  }
  calibration.samples.push_back({"table-3", {{key(1), -66}, {key(2), -66}}});
  calibration.samples.push_back({"table-3", {{key(1), kNotHeardRssi}}});  // heard nothing: recorded, not held out
  calibration.samples.push_back({"terrace", {{key(1), -60}}});            // not a zone of the store
  auto report = cross_validated_report(store, {&one, &two}, calibration);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->zones.size(), 4u);
  EXPECT_EQ(report->zones[0].zone_id, "entrance");
  EXPECT_EQ(report->zones[0].recorded, 0u);
  EXPECT_EQ(report->zones[0].samples, 0u);
  EXPECT_EQ(report->zones[1].recorded, 5u);
  EXPECT_EQ(report->zones[1].placed_right, 5u);
  EXPECT_EQ(report->zones[3].recorded, 2u);
  EXPECT_EQ(report->zones[3].samples, 1u);
  for (const ZoneCalibrationQuality& zone : report->zones) {
    ASSERT_EQ(zone.placed.size(), 4u);
    std::size_t placed = 0;
    for (const std::size_t n : zone.placed) placed += n;
    EXPECT_EQ(placed, zone.samples) << zone.zone_id;
  }
  // Table 3's only usable sample, left out, leaves table 3 without
  // calibration (and without a beacon or position): it cannot come back.
  EXPECT_EQ(report->zones[3].placed_right, 0u);
}

TEST(CalibrationReport, RejectsABadShare) {
  Store store{"bistro", "Bistro", {Zone{"table-1", "bistro", ZoneKind::kTable, "T1"}}};
  auto report = cross_validated_report(store, {}, StoreFingerprints{"bistro", {}}, {}, 0.0);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(report.error().field, "confusable_share");
}

TEST(CombineCalibration, ReplacesTheStoreItsZonesOrAppends) {
  const StoreFingerprints existing{
      "bistro", {{"table-1", {{key(1), -50}}}, {"table-2", {{key(2), -50}}}, {"table-1", {{key(1), -51}}}}};
  const StoreFingerprints added{"bistro", {{"table-1", {{key(1), -60}}}}};
  EXPECT_EQ(combine_calibration(existing, added, CalibrationMode::kReplaceStore).samples.size(), 1u);
  const auto zones = combine_calibration(existing, added, CalibrationMode::kReplaceZones);
  ASSERT_EQ(zones.samples.size(), 2u);
  EXPECT_EQ(zones.samples[0].zone_id, "table-2");
  EXPECT_EQ(zones.samples[1].readings[0].rssi, -60);
  const auto appended = combine_calibration(existing, added, CalibrationMode::kAppend);
  ASSERT_EQ(appended.samples.size(), 4u);
  EXPECT_EQ(appended.samples[3].readings[0].rssi, -60);
}

}  // namespace
}  // namespace tastesync::domain
