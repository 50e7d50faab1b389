#include "domain/services/fingerprint_classifier.h"

#include <gtest/gtest.h>

#include <vector>

#include "domain/entities/floor_plan.h"
#include "domain/services/zone_resolver.h"
#include "support/store_simulator.h"
#include "support/test_floor_plan.h"

namespace tastesync::domain {
namespace {

constexpr Timestamp kT0{std::chrono::seconds{1'700'000'000}};

BeaconKey key(std::uint16_t minor) { return BeaconKey{*BeaconUuid::parse(testing::kTestUuid), 1, minor}; }

FingerprintSample sample(std::string zone, std::vector<std::pair<std::uint16_t, int>> readings) {
  FingerprintSample s{std::move(zone), {}};
  for (const auto& [minor, rssi] : readings) s.readings.push_back({key(minor), rssi});
  return s;
}

// Store "bistro" of the test floor plan (beacons minor 0..4, tx -59), with
// table-1 and table-2 calibrated by beacons 1 and 2 only.
FloorPlan calibrated_plan(int k = 1) {
  const FloorPlan base = testing::test_floor_plan();
  std::vector<Store> stores = base.stores();
  std::vector<Beacon> beacons = base.beacons();
  StoreFingerprints fingerprints{"bistro",
                                 {sample("table-1", {{1, -50}, {2, -70}}), sample("table-1", {{1, -52}, {2, -72}}),
                                  sample("table-2", {{1, -70}, {2, -50}}), sample("table-2", {{1, -72}, {2, -200}}),
                                  sample("table-9", {{1, -60}, {2, -60}}),      // no such zone: left out
                                  sample("table-3", {{1, -200}, {2, -200}})}};  // nothing heard: left out
  return *FloorPlan::build(std::move(stores), std::move(beacons), {fingerprints}, FingerprintSettings{.k = k});
}

TEST(FingerprintClassifier, RanksZonesByTheMeanDistanceToTheirKNearestSamples) {
  const FloorPlan plan = calibrated_plan(2);
  const FingerprintClassifier* classifier = plan.find_fingerprints("bistro");
  ASSERT_NE(classifier, nullptr);
  EXPECT_EQ(plan.find_fingerprints("cafe"), nullptr);
  EXPECT_EQ(classifier->samples(), 4u);
  ASSERT_EQ(classifier->columns(), 2u);
  const int c1 = classifier->column(key(1));
  const int c2 = classifier->column(key(2));
  EXPECT_EQ(classifier->column(key(3)), -1);
  // Levels are relative to the 1 m power (-59): -50 dBm is +9.
  std::vector<double> scan = classifier->empty_scan();
  EXPECT_DOUBLE_EQ(scan[0], -105.0 + 59.0);  // not heard
  scan[static_cast<std::size_t>(c1)] = -51.0 + 59.0;
  scan[static_cast<std::size_t>(c2)] = -71.0 + 59.0;
  const auto ranked = classifier->rank(scan);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].zone_id, "table-1");
  // Both table-1 samples are sqrt(1 + 1) away.
  EXPECT_NEAR(ranked[0].distance_db, std::sqrt(2.0), 1e-9);
  EXPECT_EQ(ranked[1].zone_id, "table-2");
  // table-2: (19, 21) and (21, 34 - beacon 2 unheard at -105 vs -71) away, averaged.
  EXPECT_NEAR(ranked[1].distance_db, (std::hypot(19.0, 21.0) + std::hypot(21.0, 34.0)) / 2.0, 1e-9);
}

TEST(FingerprintClassifier, NoUsableSampleMeansNoClassifier) {
  const FloorPlan base = testing::test_floor_plan();
  StoreFingerprints only_unknown{"bistro", {sample("table-1", {{99, -50}})}};  // beacon minor 99 is not registered
  auto plan = FloorPlan::build(base.stores(), base.beacons(), {only_unknown});
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->find_fingerprints("bistro"), nullptr);
}

TEST(ZoneResolver, FingerprintsPlaceACustomerTheBeaconsAlonePlaceElsewhere) {
  const FloorPlan plan = calibrated_plan();
  const ZoneResolver service;
  // Only beacon 1 (table 1's) is heard, weakly: the nearest beacon is table
  // 1's, but calibration recorded exactly this at table 2.
  const std::vector<KnownSighting> reading{{plan.find_beacon(key(1)), -72, std::nullopt, kT0}};
  ResolverState by_beacons;
  EXPECT_EQ(service.resolve(by_beacons, reading, kT0).zone_id, "table-1");
  ResolverState by_fingerprints;
  const ZoneDecision decision = service.resolve(by_fingerprints, reading, kT0, plan.find_zone_model("bistro"));
  EXPECT_EQ(decision.zone_id, "table-2");
  // The posterior of table 2: the most probable zone after one report (a
  // report counts as 0.7 of an independent one), a majority after two.
  EXPECT_GT(decision.confidence, 0.3);
  const std::vector<KnownSighting> again{{plan.find_beacon(key(1)), -72, std::nullopt, kT0 + std::chrono::seconds{1}}};
  const ZoneDecision second =
      service.resolve(by_fingerprints, again, kT0 + std::chrono::seconds{1}, plan.find_zone_model("bistro"));
  EXPECT_EQ(second.zone_id, "table-2");
  EXPECT_GT(second.confidence, 0.5);
}

TEST(ZoneResolver, FingerprintIncumbentNeedsSustainedEvidenceToLoseItsTable) {
  const FloorPlan plan = calibrated_plan();
  const ZoneModel* fingerprints = plan.find_zone_model("bistro");
  const ZoneResolver service;
  const Beacon* b1 = plan.find_beacon(key(1));
  const Beacon* b2 = plan.find_beacon(key(2));
  ResolverState state;
  Timestamp t = kT0;
  auto at = [&](int rssi1, int rssi2) {
    t += std::chrono::seconds{1};
    const std::vector<KnownSighting> reading{{b1, rssi1, std::nullopt, t}, {b2, rssi2, std::nullopt, t}};
    return service.resolve(state, reading, t, fingerprints);
  };
  for (int i = 0; i < 600; ++i) EXPECT_EQ(at(-51, -71).zone_id, "table-1");  // seated ten minutes
  // An ambiguous report (both beacons faded to table 2's quiet level) does
  // not move a seated customer ...
  EXPECT_EQ(at(-71, -71).zone_id, "table-1");
  EXPECT_EQ(at(-51, -71).zone_id, "table-1");
  // ... a sustained move does, within a few reports. (This calibration's
  // spread is about 1.4 dB, so a reading exactly like table 2's samples is
  // strong evidence on its own.)
  int reports = 0;
  while (at(-71, -51).zone_id != "table-2" && reports < 20) ++reports;
  EXPECT_LT(reports, 10);
  const auto decision = at(-70, -50);
  EXPECT_EQ(decision.zone_id, "table-2");
  EXPECT_GT(decision.confidence, 0.5);
}

TEST(ZoneResolver, ZonesWithoutCalibrationUseThePathLossModel) {
  const FloorPlan plan = calibrated_plan();
  const ZoneResolver service;
  const std::vector<KnownSighting> reading{{plan.find_beacon(key(4)), -50, std::nullopt, kT0}};
  ResolverState state;
  EXPECT_EQ(service.resolve(state, reading, kT0, plan.find_zone_model("bistro")).zone_id, "table-4");
}

TEST(StoreSimulator, CalibrationWalkRecordsEveryZone) {
  testing::SyntheticStoreConfig config;
  const StoreFingerprints fingerprints = testing::calibration_walk(config, 5, 42);
  EXPECT_EQ(fingerprints.store_id, config.store_id);
  ASSERT_EQ(fingerprints.samples.size(), 5u * 7u);  // entrance + 6 tables
  EXPECT_EQ(fingerprints.samples.front().zone_id, "entrance");
  EXPECT_EQ(fingerprints.samples.back().zone_id, "table-6");
  EXPECT_FALSE(fingerprints.samples.back().readings.empty());
}

}  // namespace
}  // namespace tastesync::domain
