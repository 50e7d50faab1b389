#pragma once

// How each zone of a store "sounds": per zone and beacon, the chance the
// beacon is heard in a report and the level it is heard at. Learned from
// calibration samples where a zone has them, predicted by the path-loss model
// where it has not. See zone_model.h for the model as a whole.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/zone.h"

namespace tastesync::domain {

struct ZoneModelSettings {
  // Path-loss model (zones without calibration): rssi = tx_1m - 10 n log10(d).
  double path_loss_exponent = 2.5;
  double path_loss_sigma_db = 6.0;  // spread of a reading around the model
  double near_distance_m = 1.0;     // a customer in a zone to its own beacon
  double far_distance_m = 5.0;      // to another zone's beacon, without positions
  double sensitivity_dbm = -100.0;  // phones report little below this
  double miss_probability = 0.1;    // a report lacks a beacon in range
  // Share of readings far fainter than the Gaussian allows (a fade: a body
  // or a wall in the way): a faint reading's likelihood never drops below
  // this share spread over outlier_range_db.
  double outlier_share = 0.05;
  double outlier_range_db = 100.0;
  // The least weight (in samples) of the store's pooled spread in a zone's
  // own; more when the zones' spreads scatter no more than sampling explains
  // (zone_emissions.cpp, pooled_weight).
  double prior_samples = 3.0;
  double min_sigma_db = 1.0;  // RSSI is reported in whole dB
  // A calibrated zone's emission is a kernel density over at most this many
  // of its recorded scans (zone_recordings.h); the cost of a report grows
  // with it.
  std::size_t max_kernel_scans = 64;
  // Share of a calibrated zone's emission that is that kernel density, the
  // rest the per-beacon model; negative: chosen from the calibration itself
  // (cross_validated_kernel, zone_recordings.h).
  double kernel_weight = -1.0;
  // How much one report counts, as a power of its likelihood (0..1]. A
  // phone's reports are not independent draws: the same body, the same
  // reflections, the same held-low phone persist from one report to the
  // next, so n reports carry less than n times one report's evidence.
  // Counting each as 0.7 of one makes a seated customer's belief need ~1.4x
  // the evidence to move (fewer flaps) and an arrival about a report longer.
  double report_weight = 0.7;
  // Durations: a customer in a zone is either passing through (walking by,
  // a few seconds) or settled there (waiting at the entrance, seated at a
  // table). A passer-by settles or walks on to a neighbouring zone; a settled
  // customer gets up (passing again) after the zone's mean stay. Two states
  // per zone give the filter a walker's agility and a diner's stillness.
  std::chrono::seconds passing_mean_stay{2};
  double settle_share = 0.5;  // of those leaving "passing": share that settle here
  std::chrono::seconds entrance_mean_stay{10};
  std::chrono::seconds table_mean_stay{1800};
  // Zones within this factor of a zone's nearest zone are its neighbours.
  double neighbour_slack = 1.5;
  // Share of moves that skip the neighbours (to anywhere in the store): a
  // floor plan whose positions are off, a door the plan does not show.
  double jump_share = 0.01;
  // A first sighting is at the entrance with this probability (when the
  // store has one); the rest is spread over all zones.
  double entrance_prior = 0.5;
  // What one report stands for at least: phones scan in windows of about a
  // second, so reports closer together still advance the belief this much.
  std::chrono::milliseconds scan_window{1000};
  // A customer not heard for this long has left (through the entrance, as
  // the leave detector would say): their next sighting starts a new visit.
  std::chrono::seconds new_visit_after{600};
};

// One zone's expectation of one beacon.
struct BeaconEmission {
  double log_heard = 0.0;       // ln P(heard)
  double log_unheard = 0.0;     // ln P(not heard)
  double mean = 0.0;            // level when heard (dB rel. 1 m power)
  double half_precision = 0.0;  // 1 / (2 sigma^2)
  double log_peak = 0.0;        // ln((1 - outlier) / (sigma sqrt(2 pi)))
};

struct EmissionTable {
  std::vector<BeaconEmission> cells;  // zones x columns, row-major
  std::vector<char> calibrated;       // per zone: learned from samples
};

// What calibration heard of one beacon in one zone: the sufficient
// statistics its emission is learned from.
struct EmissionTally {
  int scans = 0;  // samples of the zone (that heard any of the store's beacons)
  int heard = 0;  // ... that heard this beacon
  double sum = 0.0;
  double sum_squares = 0.0;
};

// A store's calibration summed up: per zone and column its tally, and what is
// pooled over the whole store (its spread, how much a zone's own spread
// counts, the faintest level heard per column).
struct CalibrationTallies {
  std::size_t width = 0;             // columns
  std::vector<EmissionTally> cells;  // zones x columns, row-major
  std::vector<char> column_heard;    // per column: calibration heard it somewhere
  std::vector<double> weakest;       // per column: the faintest level heard
  double pooled_variance = 0.0;
  double prior_samples = 0.0;
};

// The level a reading stands for (dB relative to the beacon's 1 m power).
double level_of(const Beacon& beacon, int rssi);

// The column of the beacon `key` among `columns` (a model's beacons in
// column order), or columns.size() when it is none of them. Building a model
// looks beacons up this way; a built model has ZoneModel::column.
std::size_t column_of(const std::vector<const Beacon*>& columns, const BeaconKey& key);

// The zone (index in `zones`) a calibration scan counts for: its own, when
// the store has that zone and the scan heard one of `columns` (a scan of
// nothing tells nothing about its zone, as for the kNN); nullopt otherwise.
// The tallies and the cross-validation's blocks hold the same scans.
std::optional<std::size_t> calibrated_zone_of(const FingerprintSample& sample, const std::vector<Zone>& zones,
                                              const std::vector<const Beacon*>& columns);

// `columns`: the store's beacons, never null. `fingerprints` may be null.
CalibrationTallies tally_calibration(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                                     const StoreFingerprints* fingerprints, const ZoneModelSettings& settings);

// Zone `zone`'s emissions (one per column, into `out`) from `row`, its tallies
// (which may differ from the store's: the calibration report leaves one
// sample out), the store-wide pooled figures of `tallies`. A zone whose row
// has no scans is predicted by the path-loss model. Returns whether the zone
// counts as calibrated.
bool zone_emissions(std::size_t zone, std::span<const EmissionTally> row, const CalibrationTallies& tallies,
                    const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                    const ZoneModelSettings& settings, std::span<BeaconEmission> out);

// A zone's tallies without some of its samples (indices into `fingerprints`;
// what tally_calibration added for them, taken away again): for
// cross-validation of the calibration.
std::vector<EmissionTally> tallies_without(std::span<const EmissionTally> row,
                                           const std::vector<const Beacon*>& columns,
                                           const StoreFingerprints& fingerprints, std::span<const std::size_t> samples);

// `columns`: the store's beacons, never null; `tallies` theirs
// (tally_calibration).
EmissionTable learn_emissions(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                              const CalibrationTallies& tallies, const ZoneModelSettings& settings);

// ln P(report | zone) for one zone whose emissions are `row`: `counts` and
// `sums` give per column how many readings the report has and their sum (0:
// not heard). `log_outlier`: log_outlier_density.
double report_log_likelihood(std::span<const BeaconEmission> row, std::span<const int> counts,
                             std::span<const double> sums, double log_outlier);

// One column's share of report_log_likelihood: `count` readings summing to
// `sum` (0: not heard).
double beacon_log_likelihood(const BeaconEmission& e, int count, double sum, double log_outlier);

// ln of what an outlier reading is worth (the floor under every Gaussian).
double log_outlier_density(const ZoneModelSettings& settings);

}  // namespace tastesync::domain
