#pragma once

// An immutable, indexed view of every store's zones and beacons. Adapters
// build a new one when the registry changes and swap it in, so lookups on the
// hot path need neither a lock nor a database round trip.
//
// Laid out for 100,000 stores (docs/capacity.md, "Scale data"): each store's
// zones, beacons and calibration are one immutable block that successive
// plans share, so a change to one store builds one block and copies pointers
// to the others; lookups go through flat sorted vectors, not node-based hash
// maps; and a store's zone model is built on its first use (the first
// sighting in it) and kept with its block, not for every store at load.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/zone.h"
#include "domain/error.h"
#include "domain/services/fingerprint_classifier.h"
#include "domain/services/zone_model.h"

namespace tastesync::domain {

class FloorPlan {
  struct StoreBlock;

 public:
  // A change to some stores of a plan, gathered in parts (an adapter reads
  // the changed stores in chunks, so a full load never holds the whole
  // registry twice). Applied with FloorPlan::apply.
  class Change {
   public:
    explicit Change(FingerprintSettings fingerprint_settings = {}, const ZoneModelSettings& zone_settings = {});
    // The store leaves the plan: it was removed, or is added anew below.
    void remove(std::string store_id);
    // Adds `stores` with their beacons and calibration. Every beacon must
    // point at a zone of one of these stores (kNotFound otherwise);
    // calibration samples of zones a store lacks and readings of beacons it
    // does not have are left out, as FloorPlan::build does.
    Result<void> add(std::vector<Store> stores, std::vector<Beacon> beacons,
                     const std::vector<StoreFingerprints>& fingerprints = {});
    // Takes `other`'s removals and additions, as if they had been made here
    // (a load split over several database connections builds one each).
    void absorb(Change other);
    bool empty() const { return removed_.empty() && added_.empty(); }

   private:
    friend class FloorPlan;
    FingerprintSettings fingerprint_settings_;
    std::shared_ptr<const ZoneModelSettings> zone_settings_;
    std::vector<std::string> removed_;
    std::vector<std::shared_ptr<const StoreBlock>> added_;
  };

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
  // `base` (nullptr: an empty plan) with `change` applied: the removed
  // stores' blocks are dropped, the others shared, the added ones indexed.
  // kAlreadyExists when a store or an active beacon would be there twice.
  static Result<FloorPlan> apply(const FloorPlan* base, Change change);

  // The index points into the shared blocks: movable, never copied.
  FloorPlan(FloorPlan&&) = default;
  FloorPlan& operator=(FloorPlan&&) = default;
  FloorPlan(const FloorPlan&) = delete;
  FloorPlan& operator=(const FloorPlan&) = delete;
  ~FloorPlan() = default;

  const Beacon* find_beacon(const BeaconKey& key) const;
  const Zone* find_zone(const std::string& store_id, const std::string& zone_id) const;
  const Store* find_store(const std::string& store_id) const;
  // The store's active beacons (empty for an unknown store).
  std::span<const Beacon> store_beacons(const std::string& store_id) const;
  // The store's fingerprint classifier, or nullptr when it is not calibrated.
  const FingerprintClassifier* find_fingerprints(const std::string& store_id) const;
  // The store's zone filter model (calibration where it has some, the
  // path-loss model elsewhere), or nullptr for a store without zones. Built
  // on the store's first call and kept; safe from any number of threads.
  const ZoneModel* find_zone_model(const std::string& store_id) const;
  // Whether find_zone_model() would answer at once: false while the store's
  // model is not built yet (a calibrated store's takes seconds), so a caller
  // on a thread that must not block can leave the first call to one that may.
  // True for an unknown store (nothing to build).
  bool zone_model_built(const std::string& store_id) const;
  // The store's calibration samples, or nullptr when it has none.
  const StoreFingerprints* store_fingerprints(const std::string& store_id) const;
  // What the zone models were built with (the calibration report uses the same).
  const ZoneModelSettings& zone_settings() const { return *zone_settings_; }

  std::size_t store_count() const { return blocks_.size(); }
  std::size_t beacon_count() const { return beacon_index_.size(); }
  // Copies, in the order the stores were added (for seeds, files, tests and
  // adapters rebuilding the plan after a change): the hot path uses the
  // lookups above.
  std::vector<Store> stores() const;
  std::vector<Beacon> beacons() const;
  std::vector<StoreFingerprints> fingerprints() const;

 private:
  // An active beacon's place: block and position in the block's beacons.
  struct BeaconSlot {
    BeaconKey key;
    std::uint32_t block = 0;
    std::uint32_t beacon = 0;
  };

  FloorPlan() = default;
  const StoreBlock* find_block(std::string_view store_id) const;

  std::vector<std::shared_ptr<const StoreBlock>> blocks_;                // in the order added
  std::vector<std::pair<std::string_view, std::uint32_t>> store_index_;  // by store id; views into blocks_
  std::vector<BeaconSlot> beacon_index_;                                 // by key
  std::shared_ptr<const ZoneModelSettings> zone_settings_;
};

using FloorPlanPtr = std::shared_ptr<const FloorPlan>;

}  // namespace tastesync::domain
