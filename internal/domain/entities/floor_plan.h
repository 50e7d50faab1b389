#pragma once

// An immutable, indexed view of every store's zones and beacons. Adapters
// build a new one when the registry changes and swap it in, so lookups on the
// hot path need neither a lock nor a database round trip.

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/zone.h"
#include "domain/error.h"
#include "domain/services/fingerprint_classifier.h"
#include "domain/services/zone_model.h"

namespace tastesync::domain {

class FloorPlan {
 public:
  // Checks referential integrity: every zone belongs to its store, every
  // beacon points at an existing zone of its store, no beacon twice.
  static Result<FloorPlan> build(std::vector<Store> stores, std::vector<Beacon> beacons);
  // The same, with stores' fingerprint calibration. Samples of zones the
  // store lacks and readings of unregistered beacons are left out (a beacon
  // may be retired after calibrating); a store left with no usable sample
  // simply has no classifier.
  static Result<FloorPlan> build(std::vector<Store> stores, std::vector<Beacon> beacons,
                                 const std::vector<StoreFingerprints>& fingerprints, FingerprintSettings settings = {},
                                 const ZoneModelSettings& zone_settings = {});

  // The index holds pointers into its own vectors: movable, never copied.
  FloorPlan(FloorPlan&&) = default;
  FloorPlan& operator=(FloorPlan&&) = default;
  FloorPlan(const FloorPlan&) = delete;
  FloorPlan& operator=(const FloorPlan&) = delete;
  ~FloorPlan() = default;

  const Beacon* find_beacon(const BeaconKey& key) const;
  const Zone* find_zone(const std::string& store_id, const std::string& zone_id) const;
  const Store* find_store(const std::string& store_id) const;
  // The calibration data the plan was built with (adapters rebuilding the
  // plan after a change pass it on).
  const std::vector<StoreFingerprints>& fingerprints() const { return fingerprint_sources_; }
  // The store's fingerprint classifier, or nullptr when it is not calibrated.
  const FingerprintClassifier* find_fingerprints(const std::string& store_id) const;
  // The store's zone filter model (calibration where it has some, the
  // path-loss model elsewhere), or nullptr for a store without zones.
  const ZoneModel* find_zone_model(const std::string& store_id) const;
  // The store's calibration samples, or nullptr when it has none.
  const StoreFingerprints* store_fingerprints(const std::string& store_id) const;
  // What the zone models were built with (the calibration report uses the same).
  const ZoneModelSettings& zone_settings() const { return zone_settings_; }
  const std::vector<Store>& stores() const { return stores_; }
  const std::vector<Beacon>& beacons() const { return beacons_; }

 private:
  FloorPlan() = default;
  // (Re)builds every store's zone model from its beacons and calibration.
  void build_zone_models(const ZoneModelSettings& settings);

  std::vector<Store> stores_;
  std::vector<Beacon> beacons_;
  std::unordered_map<std::string, std::size_t> store_index_;
  std::unordered_map<std::string, const Zone*> zone_index_;  // key: store_id + '\n' + zone_id
  std::unordered_map<BeaconKey, std::size_t, BeaconKeyHash> beacon_index_;
  std::unordered_map<std::string, FingerprintClassifier> fingerprints_;  // by store
  std::unordered_map<std::string, ZoneModel> zone_models_;               // by store
  std::vector<StoreFingerprints> fingerprint_sources_;
  ZoneModelSettings zone_settings_;
};

using FloorPlanPtr = std::shared_ptr<const FloorPlan>;

}  // namespace tastesync::domain
