#include "domain/services/zone_recordings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "domain/services/calibration_report.h"
#include "domain/services/zone_filter.h"
#include "domain/services/zone_model.h"
#include "support/store_simulator.h"
#include "support/synthetic_store.h"

namespace tastesync::domain {
namespace {

using testing::SyntheticStore;
using testing::table_zone_id;

std::vector<const Beacon*> columns_of(const SyntheticStore& store) {
  std::vector<const Beacon*> beacons;
  for (const Beacon& b : store.beacons()) beacons.push_back(&b);
  return beacons;
}

// Two tables whose beacons are heard equally often, at the same levels, one
// by one: a per-beacon model cannot tell them apart. Only which beacons are
// heard together differs: at table 1 either table 2's or table 3's beacon
// (never both), at table 2 both or neither. Table 1's beacon is always heard.
StoreFingerprints alike_one_by_one(const SyntheticStore& store) {
  const BeaconKey always = store.table_beacon(1).key;
  const BeaconKey a = store.table_beacon(2).key;
  const BeaconKey b = store.table_beacon(3).key;
  StoreFingerprints calibration{store.config().store_id, {}};
  for (int i = 0; i < 20; ++i) {
    const bool even = i % 2 == 0;
    calibration.samples.push_back({table_zone_id(1), {{always, -70}, {even ? a : b, -60}}});
    if (even) {
      calibration.samples.push_back({table_zone_id(2), {{always, -70}, {a, -60}, {b, -60}}});
    } else {
      calibration.samples.push_back({table_zone_id(2), {{always, -70}}});
    }
  }
  return calibration;
}

std::vector<HeardLevel> heard(const ZoneModel& model, const std::vector<FingerprintReading>& readings) {
  std::vector<HeardLevel> report;
  for (const FingerprintReading& r : readings) {
    const int column = model.column(r.beacon);
    report.push_back({column, level_of(model.beacon(static_cast<std::size_t>(column)), r.rssi)});
  }
  return report;
}

TEST(ZoneRecordings, BeaconsHeardTogetherTellZonesApartAndTheCalibrationChoosesTheKernel) {
  SyntheticStore store;
  const StoreFingerprints calibration = alike_one_by_one(store);
  const ZoneModel model = ZoneModel::build(store.store(), columns_of(store), &calibration).value();
  EXPECT_GE(model.kernel_weight(), 0.5);
  const std::size_t one = *model.zone_index(table_zone_id(1));
  const std::size_t two = *model.zone_index(table_zone_id(2));

  const BeaconKey always = store.table_beacon(1).key;
  const auto only_a = zone_log_likelihoods(model, heard(model, {{always, -70}, {store.table_beacon(2).key, -60}}));
  EXPECT_GT(only_a[one] - only_a[two], 2.0);
  const auto both = zone_log_likelihoods(
      model, heard(model, {{always, -70}, {store.table_beacon(2).key, -60}, {store.table_beacon(3).key, -60}}));
  EXPECT_GT(both[two] - both[one], 2.0);
}

TEST(ZoneRecordings, IndependentBeaconsKeepThePerBeaconModel) {
  // The simulated store's readings are independent Gaussians per beacon:
  // the per-beacon model describes them, and the calibration says so.
  testing::SyntheticStoreConfig config;
  config.noise_sigma_db = 6.0;
  SyntheticStore store(config);
  const StoreFingerprints calibration = testing::calibration_walk(config, 30, 7);
  const ZoneModel model = ZoneModel::build(store.store(), columns_of(store), &calibration).value();
  EXPECT_LE(model.kernel_weight(), 0.3);
}

TEST(ZoneRecordings, ScansRepeatedByAPhoneHeldStillDoNotFlatterTheKernel) {
  // The same independent readings, each scan recorded four times in a row
  // (a phone that did not move between scans). Left out one at a time, every
  // scan would be predicted by its own repeats, and the kernel would look
  // perfect; left out with its neighbours in time, it is predicted as a later
  // visit would be.
  testing::SyntheticStoreConfig config;
  config.noise_sigma_db = 6.0;
  SyntheticStore store(config);
  const StoreFingerprints once = testing::calibration_walk(config, 10, 7);
  StoreFingerprints repeated{once.store_id, {}};
  for (const FingerprintSample& sample : once.samples) {
    for (int i = 0; i < 4; ++i) repeated.samples.push_back(sample);
  }
  const ZoneModel model = ZoneModel::build(store.store(), columns_of(store), &repeated).value();
  const ZoneModel recorded_once = ZoneModel::build(store.store(), columns_of(store), &once).value();
  // One scan at a time, the repeats chose w = 1. By blocks, about what the
  // same scans recorded once choose (the kernel's spread still narrows with
  // the number of scans, so not exactly).
  EXPECT_LE(model.kernel_weight(), recorded_once.kernel_weight() + 0.2);
  EXPECT_LE(recorded_once.kernel_weight(), 0.3);
}

TEST(ZoneRecordings, OneFadedReadingDoesNotRuleOutTheZone) {
  SyntheticStore store;
  const StoreFingerprints calibration = alike_one_by_one(store);
  const ZoneModel model = ZoneModel::build(store.store(), columns_of(store), &calibration).value();
  const std::size_t one = *model.zone_index(table_zone_id(1));
  const BeaconKey always = store.table_beacon(1).key;
  const BeaconKey a = store.table_beacon(2).key;
  const auto usual = zone_log_likelihoods(model, heard(model, {{always, -70}, {a, -60}}));
  // Table 1's beacon 40 dB fainter than ever recorded (a body in the way):
  // the fade costs a bounded amount, not the zone.
  const auto faded = zone_log_likelihoods(model, heard(model, {{always, -110}, {a, -60}}));
  EXPECT_GT(faded[one], usual[one] - 12.0);
}

TEST(ZoneRecordings, KeepsAtMostTheConfiguredScansPerZone) {
  SyntheticStore store;
  const StoreFingerprints calibration = alike_one_by_one(store);
  ZoneModelSettings settings;
  settings.max_kernel_scans = 8;
  const ZoneModel model = ZoneModel::build(store.store(), columns_of(store), &calibration, settings).value();
  EXPECT_EQ(model.recordings().scans(*model.zone_index(table_zone_id(1))), 8u);
  EXPECT_EQ(model.recordings().scans(*model.zone_index(table_zone_id(4))), 0u);
  EXPECT_FALSE(model.recordings().has(*model.zone_index(table_zone_id(4))));
}

TEST(ZoneRecordings, KernelBandwidthFollowsSilvermansRule) {
  EXPECT_NEAR(kernel_bandwidth(6.0, 30, 1.0), 6.0 * std::pow(4.0 / 90.0, 0.2), 1e-12);
  EXPECT_DOUBLE_EQ(kernel_bandwidth(1.0, 1000, 1.0), 1.0);  // never below the floor
}

TEST(ZoneModel, RejectsAReportWeightOutsideItsRange) {
  SyntheticStore store;
  auto zero = ZoneModel::build(store.store(), columns_of(store), nullptr, ZoneModelSettings{.report_weight = 0.0});
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().field, "report_weight");
  auto no_scans = ZoneModel::build(store.store(), columns_of(store), nullptr, ZoneModelSettings{.max_kernel_scans = 0});
  ASSERT_FALSE(no_scans);
  EXPECT_EQ(no_scans.error().field, "max_kernel_scans");
}

// zone_filter.kernel_weight fixes the mixture instead of letting the
// calibration choose it.
TEST(ZoneRecordings, AConfiguredKernelWeightIsTakenAsItIs) {
  SyntheticStore store;
  const StoreFingerprints calibration = alike_one_by_one(store);
  for (const double w : {0.0, 0.3, 1.0}) {
    const ZoneModel model =
        ZoneModel::build(store.store(), columns_of(store), &calibration, ZoneModelSettings{.kernel_weight = w}).value();
    EXPECT_DOUBLE_EQ(model.kernel_weight(), w);
  }
}

// The calibration report places each held-out scan with the emission the
// filter uses: where the calibration chose the kernel, zones that only
// differ in which beacons are heard together are told apart, not named as
// confusable (as the per-beacon model alone would).
TEST(ZoneRecordings, TheCalibrationReportConfusesWhatTheFilterConfuses) {
  SyntheticStore store;
  const StoreFingerprints calibration = alike_one_by_one(store);
  auto pair_named = [&](const ZoneModelSettings& settings) {
    auto report = cross_validated_report(store.store(), columns_of(store), calibration, settings);
    EXPECT_TRUE(report) << report.error().message;
    std::size_t right = 0;
    for (const auto& zone : report->zones) right += zone.placed_right;
    const bool named = std::any_of(report->confusable.begin(), report->confusable.end(), [](const ConfusablePair& p) {
      return (p.a == table_zone_id(1) && p.b == table_zone_id(2)) ||
             (p.a == table_zone_id(2) && p.b == table_zone_id(1));
    });
    return std::pair{named, right};
  };
  const auto [named_by_mixture, right_by_mixture] = pair_named(ZoneModelSettings{});
  const auto [named_per_beacon, right_per_beacon] = pair_named(ZoneModelSettings{.kernel_weight = 0.0});
  EXPECT_TRUE(named_per_beacon);
  EXPECT_FALSE(named_by_mixture);
  EXPECT_GT(right_by_mixture, right_per_beacon);
}

}  // namespace
}  // namespace tastesync::domain
