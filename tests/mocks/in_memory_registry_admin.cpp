#include "mocks/in_memory_registry_admin.h"

#include <algorithm>
#include <utility>

namespace tastesync::testing {

using domain::ErrorCode;
using domain::fail;

InMemoryRegistryAdmin::InMemoryRegistryAdmin(InMemoryBeaconRegistry& registry) : registry_(registry) {}

domain::Result<void> InMemoryRegistryAdmin::publish(std::vector<domain::Store> stores,
                                                    std::vector<domain::Beacon> beacons,
                                                    const std::vector<domain::StoreFingerprints>* fingerprints) {
  auto plan = domain::FloorPlan::build(std::move(stores), std::move(beacons),
                                       fingerprints != nullptr ? *fingerprints : registry_.current()->fingerprints());
  // The checks before each call give the precise errors; build stays the
  // last word on integrity (e.g. zones handed in with a new store).
  if (!plan) return std::unexpected(plan.error());
  registry_.replace(std::move(*plan));
  return {};
}

domain::Result<void> InMemoryRegistryAdmin::create_store(const domain::Store& store) {
  std::scoped_lock lock(mutex_);
  const domain::FloorPlanPtr plan = registry_.current();
  if (plan->find_store(store.id) != nullptr) {
    return fail(ErrorCode::kAlreadyExists, "store '" + store.id + "' already exists", "store_id");
  }
  std::vector<domain::Store> stores = plan->stores();
  stores.push_back(domain::Store{store.id, store.name, {}});
  for (const domain::Zone& zone : store.zones) stores.back().zones.push_back(zone);
  return publish(std::move(stores), plan->beacons());
}

domain::Result<void> InMemoryRegistryAdmin::add_zone(const domain::Zone& zone) {
  std::scoped_lock lock(mutex_);
  const domain::FloorPlanPtr plan = registry_.current();
  if (plan->find_store(zone.store_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + zone.store_id + "' is not registered", "store_id");
  }
  if (plan->find_zone(zone.store_id, zone.id) != nullptr) {
    return fail(ErrorCode::kAlreadyExists, "store '" + zone.store_id + "' already has a zone '" + zone.id + "'",
                "zone_id");
  }
  std::vector<domain::Store> stores = plan->stores();
  for (domain::Store& store : stores) {
    if (store.id == zone.store_id) store.zones.push_back(zone);
  }
  return publish(std::move(stores), plan->beacons());
}

domain::Result<void> InMemoryRegistryAdmin::update_zone(const application::ZoneChange& change) {
  std::scoped_lock lock(mutex_);
  const domain::FloorPlanPtr plan = registry_.current();
  if (plan->find_store(change.store_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + change.store_id + "' does not exist", "store_id");
  }
  if (plan->find_zone(change.store_id, change.zone_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + change.store_id + "' has no zone '" + change.zone_id + "'",
                "zone_id");
  }
  std::vector<domain::Store> stores = plan->stores();
  for (domain::Store& store : stores) {
    if (store.id != change.store_id) continue;
    for (domain::Zone& zone : store.zones) {
      if (zone.id != change.zone_id) continue;
      if (change.label) zone.label = *change.label;
      if (change.layout) zone.layout = change.layout;
      if (change.position) zone.position = change.position;
    }
  }
  return publish(std::move(stores), plan->beacons());
}

domain::Result<void> InMemoryRegistryAdmin::register_beacon(const domain::Beacon& beacon) {
  std::scoped_lock lock(mutex_);
  const domain::FloorPlanPtr plan = registry_.current();
  if (plan->find_store(beacon.store_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + beacon.store_id + "' is not registered", "store_id");
  }
  if (plan->find_zone(beacon.store_id, beacon.zone_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + beacon.store_id + "' has no zone '" + beacon.zone_id + "'",
                "zone_id");
  }
  if (const domain::Beacon* existing = plan->find_beacon(beacon.key); existing != nullptr) {
    return fail(ErrorCode::kAlreadyExists,
                "beacon " + beacon.key.to_string() + " is already registered (store '" + existing->store_id +
                    "', zone '" + existing->zone_id + "'); retire it first to move it",
                "uuid");
  }
  std::vector<domain::Beacon> beacons = plan->beacons();
  beacons.push_back(beacon);
  return publish(plan->stores(), std::move(beacons));
}

domain::Result<void> InMemoryRegistryAdmin::retire_beacon(const domain::BeaconKey& key) {
  std::scoped_lock lock(mutex_);
  const domain::FloorPlanPtr plan = registry_.current();
  if (plan->find_beacon(key) == nullptr) {
    return fail(ErrorCode::kNotFound, "no registered beacon " + key.to_string(), "uuid");
  }
  std::vector<domain::Beacon> beacons = plan->beacons();
  std::erase_if(beacons, [&key](const domain::Beacon& beacon) { return beacon.key == key; });
  return publish(plan->stores(), std::move(beacons));
}

domain::Result<void> InMemoryRegistryAdmin::write_fingerprints(const domain::StoreFingerprints& fingerprints,
                                                               domain::CalibrationMode mode) {
  std::scoped_lock lock(mutex_);
  const domain::FloorPlanPtr plan = registry_.current();
  if (plan->find_store(fingerprints.store_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + fingerprints.store_id + "' is not registered", "store_id");
  }
  std::vector<domain::StoreFingerprints> all = plan->fingerprints();
  domain::StoreFingerprints existing{fingerprints.store_id, {}};
  const auto it = std::find_if(all.begin(), all.end(),
                               [&](const domain::StoreFingerprints& f) { return f.store_id == fingerprints.store_id; });
  if (it != all.end()) {
    existing = *it;
    all.erase(it);
  }
  all.push_back(domain::combine_calibration(existing, fingerprints, mode));
  return publish(plan->stores(), plan->beacons(), &all);
}

}  // namespace tastesync::testing
