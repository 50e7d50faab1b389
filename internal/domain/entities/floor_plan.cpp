#include "domain/entities/floor_plan.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace tastesync::domain {
namespace {

std::string zone_key(const std::string& store_id, const std::string& zone_id) { return store_id + '\n' + zone_id; }

}  // namespace

Result<FloorPlan> FloorPlan::build(std::vector<Store> stores, std::vector<Beacon> beacons) {
  FloorPlan plan;
  plan.stores_ = std::move(stores);
  plan.beacons_ = std::move(beacons);
  for (std::size_t i = 0; i < plan.stores_.size(); ++i) {
    Store& store = plan.stores_[i];
    if (store.id.empty()) return fail(ErrorCode::kInvalidArgument, "a store has an empty id", "store.id");
    if (!plan.store_index_.emplace(store.id, i).second) {
      return fail(ErrorCode::kAlreadyExists, "store '" + store.id + "' is defined twice", "store.id");
    }
    for (Zone& zone : store.zones) {
      if (zone.id.empty())
        return fail(ErrorCode::kInvalidArgument, "a zone of store '" + store.id + "' has an empty id", "zone.id");
      zone.store_id = store.id;
    }
  }
  // Zone pointers are taken only once the vectors stop growing.
  for (const Store& store : plan.stores_) {
    for (const Zone& zone : store.zones) {
      if (!plan.zone_index_.emplace(zone_key(store.id, zone.id), &zone).second) {
        return fail(ErrorCode::kAlreadyExists, "zone '" + zone.id + "' is defined twice in store '" + store.id + "'",
                    "zone.id");
      }
    }
  }
  for (std::size_t i = 0; i < plan.beacons_.size(); ++i) {
    const Beacon& beacon = plan.beacons_[i];
    if (plan.find_zone(beacon.store_id, beacon.zone_id) == nullptr) {
      return fail(ErrorCode::kNotFound,
                  "beacon " + beacon.key.to_string() + " points at zone '" + beacon.zone_id + "' which store '" +
                      beacon.store_id + "' does not have",
                  "beacon.zone_id");
    }
    if (!plan.beacon_index_.emplace(beacon.key, i).second) {
      return fail(ErrorCode::kAlreadyExists, "beacon " + beacon.key.to_string() + " is registered twice", "beacon");
    }
  }
  plan.build_zone_models(ZoneModelSettings{});
  return plan;
}

void FloorPlan::build_zone_models(const ZoneModelSettings& settings) {
  zone_settings_ = settings;
  zone_models_.clear();
  // Beacons and calibrations grouped by store in one pass each: scanning all
  // beacons for every store was quadratic (100,000 stores x 1 M beacons kept a
  // registry load busy for minutes, docs/capacity.md).
  std::unordered_map<std::string_view, std::vector<const Beacon*>> beacons_by_store;
  for (const Beacon& beacon : beacons_) beacons_by_store[beacon.store_id].push_back(&beacon);
  std::unordered_map<std::string_view, const StoreFingerprints*> calibrations;
  for (const StoreFingerprints& f : fingerprint_sources_) calibrations.try_emplace(f.store_id, &f);
  const std::vector<const Beacon*> none;
  for (const Store& store : stores_) {
    const auto beacons = beacons_by_store.find(store.id);
    const auto calibration = calibrations.find(store.id);
    auto model = ZoneModel::build(store, beacons == beacons_by_store.end() ? none : beacons->second,
                                  calibration == calibrations.end() ? nullptr : calibration->second, settings);
    // A store without zones has nowhere to place anyone: no model.
    if (model) zone_models_.insert_or_assign(store.id, std::move(*model));
  }
}

const StoreFingerprints* FloorPlan::store_fingerprints(const std::string& store_id) const {
  const auto it = std::find_if(fingerprint_sources_.begin(), fingerprint_sources_.end(),
                               [&store_id](const StoreFingerprints& f) { return f.store_id == store_id; });
  return it == fingerprint_sources_.end() ? nullptr : &*it;
}

const ZoneModel* FloorPlan::find_zone_model(const std::string& store_id) const {
  const auto it = zone_models_.find(store_id);
  return it == zone_models_.end() ? nullptr : &it->second;
}

Result<FloorPlan> FloorPlan::build(std::vector<Store> stores, std::vector<Beacon> beacons,
                                   const std::vector<StoreFingerprints>& fingerprints, FingerprintSettings settings,
                                   const ZoneModelSettings& zone_settings) {
  auto plan = build(std::move(stores), std::move(beacons));
  if (!plan) return plan;
  plan->fingerprint_sources_ = fingerprints;
  for (const StoreFingerprints& store : fingerprints) {
    StoreFingerprints usable{store.store_id, {}};
    for (const FingerprintSample& sample : store.samples) {
      if (plan->find_zone(store.store_id, sample.zone_id) != nullptr) usable.samples.push_back(sample);
    }
    auto classifier = FingerprintClassifier::build(
        usable,
        [&](const BeaconKey& key) -> const Beacon* {
          const Beacon* beacon = plan->find_beacon(key);
          return beacon != nullptr && beacon->store_id == store.store_id ? beacon : nullptr;
        },
        settings);
    if (classifier) plan->fingerprints_.insert_or_assign(store.store_id, std::move(*classifier));
  }
  plan->build_zone_models(zone_settings);
  return plan;
}

const FingerprintClassifier* FloorPlan::find_fingerprints(const std::string& store_id) const {
  const auto it = fingerprints_.find(store_id);
  return it == fingerprints_.end() ? nullptr : &it->second;
}

const Beacon* FloorPlan::find_beacon(const BeaconKey& key) const {
  const auto it = beacon_index_.find(key);
  return it == beacon_index_.end() ? nullptr : &beacons_[it->second];
}

const Zone* FloorPlan::find_zone(const std::string& store_id, const std::string& zone_id) const {
  const auto it = zone_index_.find(zone_key(store_id, zone_id));
  return it == zone_index_.end() ? nullptr : it->second;
}

const Store* FloorPlan::find_store(const std::string& store_id) const {
  const auto it = store_index_.find(store_id);
  return it == store_index_.end() ? nullptr : &stores_[it->second];
}

}  // namespace tastesync::domain
