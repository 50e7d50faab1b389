#pragma once

// What the zone filter knows about one store: its zones, how each zone sounds
// (emissions) and how customers move between zones (transitions). Built once
// per floor plan, shared read-only by every request. See docs/accuracy.md,
// "The zone filter".
//
// Emissions, per zone and beacon, on the level the resolver uses (dB relative
// to the beacon's 1 m power): the chance the beacon is heard in a report at
// all, and when heard a Gaussian over its level whose tails are cut off by an
// outlier floor (one reflected or body-blocked reading must not veto a zone).
//   - Calibrated zones learn both from their samples: the share of scans that
//     heard the beacon (Laplace-smoothed), its mean level, and its spread,
//     shrunk towards the store's pooled spread (few samples give no reliable
//     spread of their own).
//   - Zones without calibration (an entrance staff did not record, a store
//     not calibrated at all, a beacon added after calibrating) use the
//     log-distance path-loss model: a zone's own beacon is near, another
//     zone's beacon as far as the floor plan's positions say (a typical room
//     distance without positions).
// Transitions: each zone has two hidden states, passing through and settled
// (zone_emissions.h, ZoneModelSettings). A passer-by stays a few seconds,
// then settles or walks on; a settled customer stays for the zone's mean stay
// (short at the entrance, long at a table) and gets up. Walking goes mostly
// to a neighbouring zone (the nearest ones on the floor plan; every zone
// without positions) and rarely anywhere else (a phone that slept through a
// walk).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/zone.h"
#include "domain/error.h"
#include "domain/services/zone_emissions.h"
#include "domain/services/zone_recordings.h"

namespace tastesync::domain {

class ZoneModel {
 public:
  // `fingerprints` may be null (a store without calibration); its samples of
  // zones the store lacks and readings of other beacons are ignored.
  static Result<ZoneModel> build(const Store& store, const std::vector<const Beacon*>& beacons,
                                 const StoreFingerprints* fingerprints, const ZoneModelSettings& settings = {});

  const std::string& store_id() const { return store_id_; }
  std::size_t zones() const { return zones_.size(); }
  std::size_t columns() const { return columns_.size(); }
  const Zone& zone(std::size_t index) const { return zones_[index]; }
  std::optional<std::size_t> zone_index(const std::string& zone_id) const;
  // Column of a beacon, or -1 when it is not one of the store's.
  int column(const BeaconKey& key) const;
  const Beacon& beacon(std::size_t column) const { return *columns_[column]; }
  const BeaconEmission& emission(std::size_t zone, std::size_t column) const {
    return emissions_[zone * columns_.size() + column];
  }
  std::span<const BeaconEmission> emission_row(std::size_t zone) const {
    return std::span<const BeaconEmission>(emissions_).subspan(zone * columns_.size(), columns_.size());
  }
  // ln of a heard reading's floor: what an outlier is worth.
  double log_outlier() const { return log_outlier_; }
  bool calibrated(std::size_t zone) const { return calibrated_[zone] != 0; }
  // The calibrated zones' recorded scans (their emission).
  const ZoneRecordings& recordings() const { return recordings_; }
  // Share of a calibrated zone's emission that is the kernel density over
  // its recordings (cross_validated_kernel).
  double kernel_weight() const { return kernel_weight_; }
  // ... and the kernel's spread as a factor on Silverman's rule
  // (cross_validated_kernel).
  double kernel_bandwidth_scale() const { return kernel_bandwidth_scale_; }
  // Whether reports can point at the zone (it has calibration, a position or
  // a beacon of its own); walks and first sightings only go to these.
  bool observable(std::size_t zone) const { return observable_[zone] != 0; }
  std::size_t observable_zones() const { return observable_count_; }
  // The zones a customer in `zone` moves to first (observable ones).
  const std::vector<std::uint16_t>& neighbours(std::size_t zone) const { return neighbours_[zone]; }
  // 1 / the zone's mean settled stay (per second).
  double leave_rate(std::size_t zone) const { return leave_rates_[zone]; }
  std::uint32_t layout() const { return layout_; }
  // Where a customer nobody has placed yet is first heard, per zone (they
  // start out passing through).
  const std::vector<double>& first_sighting_prior() const { return prior_; }
  const ZoneModelSettings& settings() const { return settings_; }

 private:
  ZoneModel() = default;

  ZoneModelSettings settings_;
  std::string store_id_;
  std::vector<Zone> zones_;
  std::vector<const Beacon*> columns_;
  std::unordered_map<BeaconKey, int, BeaconKeyHash> column_index_;
  std::vector<BeaconEmission> emissions_;  // zones x columns, row-major
  std::vector<char> calibrated_;
  ZoneRecordings recordings_;
  double kernel_weight_ = 0.0;
  double kernel_bandwidth_scale_ = 1.0;
  std::vector<char> observable_;
  std::size_t observable_count_ = 0;
  std::vector<std::vector<std::uint16_t>> neighbours_;
  std::vector<double> leave_rates_;
  std::vector<double> prior_;
  double log_outlier_ = 0.0;
  std::uint32_t layout_ = 0;
};

// kInvalidArgument naming the setting when one is out of its range.
Result<void> check_zone_model_settings(const ZoneModelSettings& settings);

// The layout hash a belief carries: FNV-1a over the zone ids in order.
std::uint32_t zone_layout(const std::vector<Zone>& zones);

}  // namespace tastesync::domain
