#include "domain/services/zone_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/entities/floor_plan.h"
#include "domain/services/zone_resolver.h"
#include "domain/services/zone_transitions.h"
#include "support/store_simulator.h"
#include "support/synthetic_store.h"

namespace tastesync::domain {
namespace {

using testing::entrance_zone_id;
using testing::SyntheticStore;
using testing::SyntheticStoreConfig;
using testing::table_zone_id;

// A calibrated synthetic store: `calibrate_entrance` false leaves the
// entrance without samples, as staff who only walk the tables would.
struct CalibratedStore {
  explicit CalibratedStore(const SyntheticStoreConfig& config, bool calibrate_entrance = true)
      : store(config), plan(build(config, calibrate_entrance)) {}

  FloorPlan build(const SyntheticStoreConfig& config, bool calibrate_entrance) {
    StoreFingerprints calibration = testing::calibration_walk(config, 30, config.seed + 1000);
    if (!calibrate_entrance) {
      std::erase_if(calibration.samples, [](const FingerprintSample& s) { return s.zone_id == entrance_zone_id(); });
    }
    return FloorPlan::build({store.store()}, store.beacons(), {calibration}).value();
  }
  const ZoneModel& model() const { return *plan.find_zone_model(store.config().store_id); }

  SyntheticStore store;
  FloorPlan plan;
};

// Zones answered for `reports` reports at `spot`, continuing `state`.
std::vector<std::string> stay(SyntheticStore& store, const ZoneModel& model, ResolverState& state, testing::Point spot,
                              int reports, std::size_t& clock) {
  const ZoneResolver resolver;
  std::vector<KnownSighting> report;
  std::vector<std::string> answers;
  for (int i = 0; i < reports; ++i, ++clock) {
    store.report(spot, testing::Point{0.0, -1.0}, store.report_time(clock), report);
    if (report.empty()) continue;
    answers.push_back(resolver.resolve(state, report, store.report_time(clock), &model).zone_id);
  }
  return answers;
}

TEST(ZoneFilter, CalibratedStoreStillAnswersEntranceAtTheEntrance) {
  SyntheticStoreConfig config;
  config.seed = 11;
  CalibratedStore calibrated(config, /*calibrate_entrance=*/false);
  ASSERT_FALSE(calibrated.model().calibrated(*calibrated.model().zone_index(entrance_zone_id())));
  for (std::uint64_t customer = 0; customer < 20; ++customer) {
    ResolverState state;
    std::size_t clock = customer * 100;
    const auto answers = stay(calibrated.store, calibrated.model(), state, calibrated.store.entrance_spot(), 3, clock);
    ASSERT_FALSE(answers.empty());
    EXPECT_EQ(answers.back(), entrance_zone_id()) << "customer " << customer;
  }
}

TEST(ZoneFilter, TablesWithoutABeaconAreFoundThroughCalibration) {
  SyntheticStoreConfig config;
  config.seed = 5;
  config.beacon_tables = {2, 5};  // tables 1, 3, 4 and 6 have no beacon
  CalibratedStore calibrated(config);
  for (const int table : {1, 3, 4, 6}) {
    ResolverState state;
    std::size_t clock = static_cast<std::size_t>(table) * 1000;
    const auto answers = stay(calibrated.store, calibrated.model(), state, calibrated.store.seat(table), 20, clock);
    ASSERT_FALSE(answers.empty());
    EXPECT_EQ(answers.back(), table_zone_id(table));
  }
}

// The hysteresis comes from the transition model: one report that sounds
// like the next table does not move a seated customer; reports that keep
// saying so do.
TEST(ZoneFilter, OneOddReportDoesNotMoveASeatedCustomerButAMoveDoes) {
  SyntheticStoreConfig config;
  config.noise_sigma_db = 0.0;
  SyntheticStore store(config);
  const FloorPlan plan = FloorPlan::build({store.store()}, store.beacons()).value();
  const ZoneModel& model = *plan.find_zone_model(config.store_id);
  ResolverState state;
  std::size_t clock = 0;
  auto answers = stay(store, model, state, store.seat(3), 600, clock);
  EXPECT_EQ(answers.back(), table_zone_id(3));

  answers = stay(store, model, state, store.seat(4), 1, clock);
  EXPECT_EQ(answers.back(), table_zone_id(3)) << "one report moved a customer seated for ten minutes";
  answers = stay(store, model, state, store.seat(3), 5, clock);
  EXPECT_EQ(answers.back(), table_zone_id(3));
  // A real move is followed within three reports.
  answers = stay(store, model, state, store.seat(4), 3, clock);
  EXPECT_EQ(answers.back(), table_zone_id(4)) << "a move was not followed within three reports";
}

TEST(ZoneFilter, ConfidenceIsAProbabilityAndGrowsWithEvidence) {
  SyntheticStoreConfig config;
  config.seed = 3;
  SyntheticStore store(config);
  const FloorPlan plan = FloorPlan::build({store.store()}, store.beacons()).value();
  const ZoneModel& model = *plan.find_zone_model(config.store_id);
  const ZoneResolver resolver;
  ResolverState state;
  std::vector<KnownSighting> report;
  double first = 0.0;
  double last = 0.0;
  for (std::size_t i = 0; i < 30; ++i) {
    store.report(store.seat(2), store.report_time(i), report);
    const ZoneDecision decision = resolver.resolve(state, report, store.report_time(i), &model);
    EXPECT_GE(decision.confidence, 0.0);
    EXPECT_LE(decision.confidence, 1.0);
    if (i == 0) first = decision.confidence;
    last = decision.confidence;
  }
  EXPECT_GT(last, first);
  EXPECT_GT(last, 0.9);
}

TEST(ZoneFilter, ATableQrScanRestartsTheBeliefAtThatTable) {
  SyntheticStoreConfig config;
  config.noise_sigma_db = 0.0;
  SyntheticStore store(config);
  const FloorPlan plan = FloorPlan::build({store.store()}, store.beacons()).value();
  const ZoneModel& model = *plan.find_zone_model(config.store_id);
  ResolverState state;
  state.store_id = config.store_id;
  state.incumbent_zone_id = table_zone_id(5);  // what a scan leaves behind
  std::size_t clock = 0;
  // A report that does not clearly say otherwise keeps the scanned table.
  const auto answers = stay(store, model, state, store.seat(5), 1, clock);
  EXPECT_EQ(answers.back(), table_zone_id(5));
  EXPECT_TRUE(belief_fits(model, state.belief));
}

TEST(ZoneFilter, AnEditedFloorPlanRestartsTheBelief) {
  SyntheticStoreConfig six;
  SyntheticStoreConfig seven;
  seven.tables = 7;
  SyntheticStore store(six);
  SyntheticStore bigger(seven);
  const FloorPlan before = FloorPlan::build({store.store()}, store.beacons()).value();
  const FloorPlan after = FloorPlan::build({bigger.store()}, bigger.beacons()).value();
  const ZoneModel& old_model = *before.find_zone_model(six.store_id);
  const ZoneModel& new_model = *after.find_zone_model(seven.store_id);
  ResolverState state;
  std::size_t clock = 0;
  stay(store, old_model, state, store.seat(1), 3, clock);
  EXPECT_FALSE(belief_fits(new_model, state.belief));
  const auto answers = stay(bigger, new_model, state, bigger.seat(7), 10, clock);
  EXPECT_TRUE(belief_fits(new_model, state.belief));
  EXPECT_EQ(answers.back(), table_zone_id(7));
}

TEST(ZoneFilter, ABeliefOfAThirtyZoneStoreFitsInAKilobyte) {
  SyntheticStoreConfig config;
  config.tables = 29;  // + the entrance
  SyntheticStore store(config);
  const FloorPlan plan = FloorPlan::build({store.store()}, store.beacons()).value();
  const ZoneModel& model = *plan.find_zone_model(config.store_id);
  ASSERT_EQ(model.zones(), 30u);
  ZoneBelief belief;
  start_belief(model, belief, std::nullopt, Timestamp{});
  const std::size_t bytes = sizeof(belief.layout) + sizeof(std::int64_t) + 4 + belief.weights.size() * 2;
  EXPECT_LE(bytes, 1024u);
}

// Table 2 has no beacon, no position and no calibration: no report can point
// at it, so the filter never guesses it, but keeps a customer a table QR scan
// placed there until the beacons say otherwise.
TEST(ZoneFilter, AZoneNothingCanHearIsKeptButNeverGuessed) {
  const BeaconKey entrance_key{BeaconUuid{}, 1, 0};
  const BeaconKey table_key{BeaconUuid{}, 1, 1};
  Store store{"corner", "Corner", {}};
  store.zones.push_back(Zone{"entrance", "corner", ZoneKind::kEntrance, "Entrance"});
  store.zones.push_back(Zone{"table-1", "corner", ZoneKind::kTable, "Table 1"});
  store.zones.push_back(Zone{"table-2", "corner", ZoneKind::kTable, "Table 2"});
  const FloorPlan plan = FloorPlan::build({store}, {Beacon{entrance_key, "corner", "entrance", -59, 0.0},
                                                    Beacon{table_key, "corner", "table-1", -59, 0.0}})
                             .value();
  const ZoneModel& model = *plan.find_zone_model("corner");
  EXPECT_FALSE(model.observable(*model.zone_index("table-2")));
  const ZoneResolver resolver;
  const Beacon* entrance = plan.find_beacon(entrance_key);
  const Beacon* table = plan.find_beacon(table_key);
  const Timestamp t0{std::chrono::seconds{1'700'000'000}};
  auto faint = [&](Timestamp at) {
    return std::vector<KnownSighting>{{entrance, -85, std::nullopt, at}, {table, -85, std::nullopt, at}};
  };

  ResolverState newcomer;
  for (int i = 0; i < 30; ++i) {
    const Timestamp at = t0 + std::chrono::seconds{i};
    EXPECT_NE(resolver.resolve(newcomer, faint(at), at, &model).zone_id, "table-2");
  }

  ResolverState scanned;
  scanned.store_id = "corner";
  scanned.incumbent_zone_id = "table-2";
  EXPECT_EQ(resolver.resolve(scanned, faint(t0), t0, &model).zone_id, "table-2");
  for (int i = 1; i < 10; ++i) {
    const Timestamp at = t0 + std::chrono::seconds{i};
    resolver.resolve(scanned, std::vector<KnownSighting>{{table, -50, std::nullopt, at}}, at, &model);
  }
  const Timestamp later = t0 + std::chrono::seconds{10};
  EXPECT_EQ(
      resolver.resolve(scanned, std::vector<KnownSighting>{{table, -50, std::nullopt, later}}, later, &model).zone_id,
      "table-1");
}

TEST(ZoneTransitions, NeighboursComeFromPositionsOrAreEveryone) {
  SyntheticStore store;  // entrance at 0 m, tables 6, 8, 10 ... m along a row
  const auto row = neighbouring_zones(store.store().zones, 1.5);
  // Zone 3 is table 3: tables 2 and 4 beside it, nothing farther.
  EXPECT_EQ(row[3], (std::vector<std::uint16_t>{2, 4}));
  EXPECT_EQ(row[0], (std::vector<std::uint16_t>{1, 2}));  // the entrance: tables 1 and 2 (6 and 8 m)

  const auto anywhere = neighbouring_zones(store.store(/*with_positions=*/false).zones, 1.5);
  EXPECT_EQ(anywhere[3].size(), 6u);
}

TEST(ZoneTransitions, ZonesOnOneSpotStillNeighbourTheZonesAroundThem) {
  // Two floors with the same layout: each ground-floor zone has one upstairs
  // directly above it. Measured from 0 m, a zone's only neighbour was the
  // one above it, and nobody could walk along a floor.
  Store two_floors{"two-floors", "Two floors", {}};
  for (const char* floor : {"ground", "upstairs"}) {
    for (int i = 0; i < 4; ++i) {
      Zone zone{std::string(floor) + "-" + std::to_string(i), two_floors.id, ZoneKind::kTable, "Zone"};
      zone.position = FloorPosition{2.0 * i, 0.0};
      two_floors.zones.push_back(std::move(zone));
    }
  }
  const auto neighbours = neighbouring_zones(two_floors.zones, 1.5);
  // ground-1 (index 1): ground-0 and ground-2 beside it, upstairs-1 above, and
  // the zones above its neighbours (as near as they).
  EXPECT_EQ(neighbours[1], (std::vector<std::uint16_t>{0, 2, 4, 5, 6}));
  EXPECT_EQ(neighbours[5], (std::vector<std::uint16_t>{0, 1, 2, 4, 6}));
  EXPECT_EQ(neighbours[3], (std::vector<std::uint16_t>{2, 6, 7}));
}

TEST(ZoneModel, RejectsWhatItCannotModelWithAClearError) {
  SyntheticStore store;
  std::vector<const Beacon*> beacons;
  for (const Beacon& b : store.beacons()) beacons.push_back(&b);

  Store empty{"empty", "Empty", {}};
  auto no_zones = ZoneModel::build(empty, beacons, nullptr);
  ASSERT_FALSE(no_zones);
  EXPECT_EQ(no_zones.error().code, ErrorCode::kFailedPrecondition);

  auto bad = ZoneModel::build(store.store(), beacons, nullptr, ZoneModelSettings{.miss_probability = 1.5});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field, "miss_probability");
}

TEST(ZoneModel, LearnsEmissionsFromCalibration) {
  SyntheticStore store;
  const Beacon& table_one = store.table_beacon(1);
  Store bistro = store.store();
  StoreFingerprints calibration{bistro.id, {}};
  for (const int rssi : {-50, -52, -54}) calibration.samples.push_back({table_zone_id(1), {{table_one.key, rssi}}});
  calibration.samples.push_back({table_zone_id(2), {{store.entrance_beacon().key, -80}}});
  std::vector<const Beacon*> beacons;
  for (const Beacon& b : store.beacons()) beacons.push_back(&b);
  const ZoneModel model = ZoneModel::build(bistro, beacons, &calibration).value();
  const std::size_t zone = *model.zone_index(table_zone_id(1));
  const auto column = static_cast<std::size_t>(model.column(table_one.key));
  EXPECT_TRUE(model.calibrated(zone));
  EXPECT_FALSE(model.calibrated(*model.zone_index(table_zone_id(3))));
  // Levels are relative to the beacon's 1 m power (-59 dBm).
  EXPECT_NEAR(model.emission(zone, column).mean, 7.0, 1e-9);
  // Heard in 3 of 3 scans: (3 + 1) / (3 + 2).
  EXPECT_NEAR(std::exp(model.emission(zone, column).log_heard), 0.8, 1e-9);
  // The entrance beacon was heard in calibration (at table 2), never at
  // table 1: (0 + 1) / (3 + 2).
  const auto entrance = static_cast<std::size_t>(model.column(store.entrance_beacon().key));
  EXPECT_NEAR(std::exp(model.emission(zone, entrance).log_heard), 0.2, 1e-9);
}

}  // namespace
}  // namespace tastesync::domain
