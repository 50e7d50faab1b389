#include "domain/entities/floor_plan.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "domain/services/zone_model.h"
#include "support/store_simulator.h"
#include "support/synthetic_store.h"

namespace tastesync::domain {
namespace {

BeaconKey key(std::uint16_t major, std::uint16_t minor) {
  return BeaconKey{*BeaconUuid::parse("f7826da6-4fa2-4e98-8024-bc5b71e0893e"), major, minor};
}

TEST(FloorPlan, IndexesZonesAndBeaconsOfEveryStore) {
  Store store{"bistro",
              "Bistro",
              {{"entrance", "", ZoneKind::kEntrance, "Entrance"}, {"table-1", "", ZoneKind::kTable, "Table 1"}}};
  auto plan = FloorPlan::build({store}, {Beacon{key(1, 1), "bistro", "table-1", -59, 0.0}});
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  ASSERT_NE(plan->find_beacon(key(1, 1)), nullptr);
  EXPECT_EQ(plan->find_beacon(key(1, 1))->zone_id, "table-1");
  EXPECT_EQ(plan->find_beacon(key(1, 2)), nullptr);
  ASSERT_NE(plan->find_zone("bistro", "table-1"), nullptr);
  EXPECT_EQ(plan->find_zone("bistro", "table-1")->store_id, "bistro");
  EXPECT_EQ(plan->find_zone("other", "table-1"), nullptr);
}

TEST(FloorPlan, RejectsBeaconPointingAtAnotherStoresZone) {
  Store a{"a", "A", {{"table-1", "", ZoneKind::kTable, "Table 1"}}};
  Store b{"b", "B", {{"table-9", "", ZoneKind::kTable, "Table 9"}}};
  auto plan = FloorPlan::build({a, b}, {Beacon{key(1, 1), "a", "table-9", -59, 0.0}});
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kNotFound);
}

TEST(FloorPlan, RejectsTheSameBeaconTwice) {
  Store a{"a", "A", {{"table-1", "", ZoneKind::kTable, "Table 1"}}};
  auto plan =
      FloorPlan::build({a}, {Beacon{key(1, 1), "a", "table-1", -59, 0.0}, Beacon{key(1, 1), "a", "table-1", -60, 0.0}});
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kAlreadyExists);
}

Store two_zone_store(const std::string& id) {
  return Store{
      id, id, {{"entrance", "", ZoneKind::kEntrance, "Entrance"}, {"table-1", "", ZoneKind::kTable, "Table 1"}}};
}

// Every figure Identify reads off a zone model.
void expect_same_model(const ZoneModel& a, const ZoneModel& b) {
  ASSERT_EQ(a.zones(), b.zones());
  ASSERT_EQ(a.columns(), b.columns());
  EXPECT_EQ(a.store_id(), b.store_id());
  EXPECT_EQ(a.layout(), b.layout());
  EXPECT_EQ(a.log_outlier(), b.log_outlier());
  EXPECT_EQ(a.kernel_weight(), b.kernel_weight());
  EXPECT_EQ(a.first_sighting_prior(), b.first_sighting_prior());
  EXPECT_EQ(a.observable_zones(), b.observable_zones());
  for (std::size_t z = 0; z < a.zones(); ++z) {
    EXPECT_EQ(a.zone(z).id, b.zone(z).id);
    EXPECT_EQ(a.calibrated(z), b.calibrated(z));
    EXPECT_EQ(a.observable(z), b.observable(z));
    EXPECT_EQ(a.neighbours(z), b.neighbours(z));
    EXPECT_EQ(a.leave_rate(z), b.leave_rate(z));
    for (std::size_t c = 0; c < a.columns(); ++c) {
      EXPECT_EQ(a.beacon(c).key, b.beacon(c).key);
      const BeaconEmission& x = a.emission(z, c);
      const BeaconEmission& y = b.emission(z, c);
      EXPECT_EQ(x.log_heard, y.log_heard);
      EXPECT_EQ(x.log_unheard, y.log_unheard);
      EXPECT_EQ(x.mean, y.mean);
      EXPECT_EQ(x.half_precision, y.half_precision);
      EXPECT_EQ(x.log_peak, y.log_peak);
    }
  }
}

TEST(FloorPlan, BuildsAStoresZoneModelOnFirstUseEqualToOneBuiltAtOnce) {
  const testing::SyntheticStoreConfig config;
  const testing::SyntheticStore synthetic(config);
  const StoreFingerprints calibration = testing::calibration_walk(config, 10, config.seed + 7);
  ZoneModelSettings settings;
  settings.path_loss_exponent = 3.1;  // not the default: the plan's settings must reach the model
  settings.miss_probability = 0.2;
  auto plan = FloorPlan::build({synthetic.store()}, synthetic.beacons(), {calibration}, {}, settings);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;

  std::vector<const Beacon*> beacons;
  for (const Beacon& beacon : synthetic.beacons()) beacons.push_back(&beacon);
  Store store = synthetic.store();
  for (Zone& zone : store.zones) zone.store_id = store.id;
  auto eager = ZoneModel::build(store, beacons, &calibration, settings);
  ASSERT_TRUE(eager.has_value()) << eager.error().message;

  // Not built until asked for; a caller that must not block can tell.
  EXPECT_FALSE(plan->zone_model_built(config.store_id));
  // Asked for from several threads at once: one model, built once.
  std::vector<const ZoneModel*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = plan->find_zone_model(config.store_id); });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_NE(seen[0], nullptr);
  for (const ZoneModel* model : seen) EXPECT_EQ(model, seen[0]);
  expect_same_model(*seen[0], *eager);
  EXPECT_TRUE(plan->zone_model_built(config.store_id));
  EXPECT_EQ(plan->find_zone_model("no-such-store"), nullptr);
  EXPECT_TRUE(plan->zone_model_built("no-such-store"));  // nothing to build
}

TEST(FloorPlan, AStoreWithoutZonesHasNoModel) {
  auto plan = FloorPlan::build({Store{"empty", "Empty", {}}}, {});
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_NE(plan->find_store("empty"), nullptr);
  EXPECT_EQ(plan->find_zone_model("empty"), nullptr);
}

TEST(FloorPlan, AChangeRebuildsOnlyTheStoresItNamesAndSharesTheRest) {
  auto base =
      FloorPlan::build({two_zone_store("a"), two_zone_store("b")},
                       {Beacon{key(1, 1), "a", "table-1", -59, 0.0}, Beacon{key(2, 1), "b", "table-1", -59, 0.0}});
  ASSERT_TRUE(base.has_value()) << base.error().message;
  const ZoneModel* a_model = base->find_zone_model("a");
  ASSERT_NE(a_model, nullptr);

  FloorPlan::Change change;
  change.remove("b");  // changed: read anew
  Store b = two_zone_store("b");
  b.name = "B, renamed";
  ASSERT_TRUE(change
                  .add({b, two_zone_store("c")},
                       {Beacon{key(2, 1), "b", "entrance", -59, 0.0}, Beacon{key(3, 1), "c", "table-1", -59, 0.0}})
                  .has_value());
  auto next = FloorPlan::apply(&*base, std::move(change));
  ASSERT_TRUE(next.has_value()) << next.error().message;

  // Untouched: the same store, beacons and already built model, not copies.
  EXPECT_EQ(next->find_store("a"), base->find_store("a"));
  EXPECT_EQ(next->find_beacon(key(1, 1)), base->find_beacon(key(1, 1)));
  EXPECT_EQ(next->find_zone_model("a"), a_model);
  // Changed and added: as the change says; the old plan is unchanged.
  EXPECT_EQ(next->find_store("b")->name, "B, renamed");
  EXPECT_EQ(next->find_beacon(key(2, 1))->zone_id, "entrance");
  EXPECT_EQ(base->find_beacon(key(2, 1))->zone_id, "table-1");
  ASSERT_NE(next->find_zone("c", "table-1"), nullptr);
  EXPECT_EQ(next->find_beacon(key(3, 1))->store_id, "c");
  EXPECT_EQ(next->store_count(), 3u);
  EXPECT_EQ(next->beacon_count(), 3u);
  EXPECT_EQ(base->store_count(), 2u);
}

TEST(FloorPlan, ARemovedStoreTakesItsZonesAndBeaconsWithIt) {
  auto base =
      FloorPlan::build({two_zone_store("a"), two_zone_store("b")},
                       {Beacon{key(1, 1), "a", "table-1", -59, 0.0}, Beacon{key(2, 1), "b", "table-1", -59, 0.0}});
  ASSERT_TRUE(base.has_value());
  FloorPlan::Change change;
  change.remove("b");
  auto next = FloorPlan::apply(&*base, std::move(change));
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_EQ(next->find_store("b"), nullptr);
  EXPECT_EQ(next->find_zone("b", "table-1"), nullptr);
  EXPECT_EQ(next->find_beacon(key(2, 1)), nullptr);
  EXPECT_EQ(next->find_zone_model("b"), nullptr);
  EXPECT_TRUE(next->store_beacons("b").empty());
  EXPECT_EQ(next->beacon_count(), 1u);
}

TEST(FloorPlan, ChangesBuiltApartAndAbsorbedApplyAsOne) {
  auto base =
      FloorPlan::build({two_zone_store("a"), two_zone_store("b")},
                       {Beacon{key(1, 1), "a", "table-1", -59, 0.0}, Beacon{key(2, 1), "b", "table-1", -59, 0.0}});
  ASSERT_TRUE(base.has_value());
  // As a load over two connections builds them: each its own stores.
  FloorPlan::Change first;
  first.remove("a");
  Store a = two_zone_store("a");
  a.name = "A, renamed";
  ASSERT_TRUE(first.add({a}, {Beacon{key(1, 1), "a", "entrance", -59, 0.0}}).has_value());
  FloorPlan::Change second;
  second.remove("b");
  ASSERT_TRUE(second.add({two_zone_store("c")}, {Beacon{key(3, 1), "c", "table-1", -59, 0.0}}).has_value());
  first.absorb(std::move(second));

  auto next = FloorPlan::apply(&*base, std::move(first));
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_EQ(next->find_store("a")->name, "A, renamed");
  EXPECT_EQ(next->find_beacon(key(1, 1))->zone_id, "entrance");
  EXPECT_EQ(next->find_store("b"), nullptr) << "the absorbed change's removal counts";
  EXPECT_EQ(next->find_beacon(key(2, 1)), nullptr);
  ASSERT_NE(next->find_beacon(key(3, 1)), nullptr) << "the absorbed change's additions count";
  EXPECT_EQ(next->find_beacon(key(3, 1))->store_id, "c");
  EXPECT_EQ(next->store_count(), 2u);
}

TEST(FloorPlan, AStoreAddedByTwoAbsorbedChangesIsRefused) {
  FloorPlan::Change first;
  ASSERT_TRUE(first.add({two_zone_store("a")}, {}).has_value());
  FloorPlan::Change second;
  ASSERT_TRUE(second.add({two_zone_store("a")}, {}).has_value());
  first.absorb(std::move(second));
  auto plan = FloorPlan::apply(nullptr, std::move(first));
  ASSERT_FALSE(plan.has_value());
  EXPECT_NE(plan.error().message.find("'a' is defined twice"), std::string::npos) << plan.error().message;
}

TEST(FloorPlan, ABeaconMovedBetweenStoresIsFoundInItsNewStore) {
  auto base =
      FloorPlan::build({two_zone_store("a"), two_zone_store("b")}, {Beacon{key(1, 1), "a", "table-1", -59, 0.0}});
  ASSERT_TRUE(base.has_value());
  // Both stores changed (the registry versions both): both are read anew.
  FloorPlan::Change change;
  change.remove("a");
  change.remove("b");
  ASSERT_TRUE(change.add({two_zone_store("a"), two_zone_store("b")}, {Beacon{key(1, 1), "b", "entrance", -59, 0.0}})
                  .has_value());
  auto next = FloorPlan::apply(&*base, std::move(change));
  ASSERT_TRUE(next.has_value()) << next.error().message;
  ASSERT_NE(next->find_beacon(key(1, 1)), nullptr);
  EXPECT_EQ(next->find_beacon(key(1, 1))->store_id, "b");
  EXPECT_TRUE(next->store_beacons("a").empty());
  ASSERT_EQ(next->store_beacons("b").size(), 1u);
  EXPECT_EQ(next->find_zone_model("a")->columns(), 0u);
  EXPECT_EQ(next->find_zone_model("b")->columns(), 1u);
}

TEST(FloorPlan, RefusesAChangeThatWouldHoldABeaconOrAStoreTwice) {
  auto base = FloorPlan::build({two_zone_store("a")}, {Beacon{key(1, 1), "a", "table-1", -59, 0.0}});
  ASSERT_TRUE(base.has_value());
  FloorPlan::Change beacon_twice;  // "b" claims a's beacon while a is not read anew
  ASSERT_TRUE(beacon_twice.add({two_zone_store("b")}, {Beacon{key(1, 1), "b", "table-1", -59, 0.0}}).has_value());
  auto refused = FloorPlan::apply(&*base, std::move(beacon_twice));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(refused.error().field, "beacon");

  FloorPlan::Change store_twice;  // "a" added again without removing it first
  ASSERT_TRUE(store_twice.add({two_zone_store("a")}, {}).has_value());
  auto again = FloorPlan::apply(&*base, std::move(store_twice));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().field, "store.id");
}

TEST(FloorPlan, ABeaconOfAStoreOutsideTheChangeIsRefusedNamingIt) {
  FloorPlan::Change change;
  auto added = change.add({two_zone_store("a")}, {Beacon{key(1, 1), "elsewhere", "table-1", -59, 0.0}});
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(added.error().field, "beacon.zone_id");
}

TEST(BeaconUuid, ParsesCanonicalFormAndRejectsTheRest) {
  auto uuid = BeaconUuid::parse("F7826DA6-4FA2-4E98-8024-BC5B71E0893E");
  ASSERT_TRUE(uuid.has_value());
  EXPECT_EQ(uuid->to_string(), "f7826da6-4fa2-4e98-8024-bc5b71e0893e");
  EXPECT_FALSE(BeaconUuid::parse("").has_value());
  EXPECT_FALSE(BeaconUuid::parse("f7826da64fa24e988024bc5b71e0893e").has_value());
  EXPECT_FALSE(BeaconUuid::parse("f7826da6-4fa2-4e98-8024-bc5b71e0893g").has_value());
  EXPECT_FALSE(BeaconUuid::parse("f7826da6+4fa2-4e98-8024-bc5b71e0893e").has_value());
}

}  // namespace
}  // namespace tastesync::domain
