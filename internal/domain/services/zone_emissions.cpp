#include "domain/services/zone_emissions.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace tastesync::domain {
namespace {

// A heard-or-not chance never reaches 0 or 1: one surprising report must not
// rule a zone out for good.
constexpr double kMinChance = 0.01;

BeaconEmission make_emission(double heard_chance, double mean, double sigma, const ZoneModelSettings& settings) {
  const double heard = std::clamp(heard_chance, kMinChance, 1.0 - kMinChance);
  BeaconEmission e;
  e.log_heard = std::log(heard);
  e.log_unheard = std::log(1.0 - heard);
  e.mean = mean;
  e.half_precision = 1.0 / (2.0 * sigma * sigma);
  e.log_peak = std::log((1.0 - settings.outlier_share) / (sigma * std::sqrt(2.0 * std::numbers::pi)));
  return e;
}

double standard_normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double distance_between(const FloorPosition& a, const FloorPosition& b) {
  return std::hypot(a.x_m - b.x_m, a.y_m - b.y_m);
}

// The path-loss prediction for a customer in `zone` hearing `beacon`.
BeaconEmission predicted(const Zone& zone, const Beacon& beacon, const std::vector<Zone>& zones,
                         const ZoneModelSettings& settings) {
  double distance = settings.far_distance_m;
  if (beacon.zone_id == zone.id) {
    distance = settings.near_distance_m;
  } else if (zone.position) {
    const auto home = std::find_if(zones.begin(), zones.end(), [&](const Zone& z) { return z.id == beacon.zone_id; });
    if (home != zones.end() && home->position)
      distance = std::max(settings.near_distance_m, distance_between(*zone.position, *home->position));
  }
  const double mean = -10.0 * settings.path_loss_exponent * std::log10(distance);
  // Heard when the level beats the phone's sensitivity and the report did
  // not miss the advertisement.
  const double floor = settings.sensitivity_dbm - static_cast<double>(beacon.tx_power_1m);
  const double in_range = standard_normal_cdf((mean - floor) / settings.path_loss_sigma_db);
  return make_emission((1.0 - settings.miss_probability) * in_range, mean, settings.path_loss_sigma_db, settings);
}

// How many samples the store's pooled spread is worth in a zone's own
// (empirical Bayes). A zone's sample variance s2 from h readings scatters
// around its true variance by 2 v^2 / (h - 1) from sampling alone; what the
// zones' s2 scatter beyond that, tau^2, is how much true spreads differ. The
// shrinkage that follows is 2 v^2 / tau^2 pseudo-samples: when spreads differ
// little (one room, one kind of beacon) a zone's own 30 samples count for
// little, when they differ a lot (days of different crowds) for much.
double pooled_weight(const std::vector<EmissionTally>& tallies, double pooled_variance,
                     const ZoneModelSettings& settings) {
  constexpr double kMaxWeight = 1000.0;
  double sum = 0.0;
  double sum_squares = 0.0;
  double sampling = 0.0;
  double cells = 0.0;
  for (const EmissionTally& t : tallies) {
    if (t.heard < 3) continue;
    const double mean = t.sum / t.heard;
    const double variance = std::max(0.0, t.sum_squares - t.heard * mean * mean) / (t.heard - 1.0);
    sum += variance;
    sum_squares += variance * variance;
    sampling += 2.0 * pooled_variance * pooled_variance / (t.heard - 1.0);
    cells += 1.0;
  }
  if (cells < 2.0) return settings.prior_samples;
  const double spread_of_variances = sum_squares / cells - (sum / cells) * (sum / cells);
  const double tau2 = spread_of_variances - sampling / cells;
  if (tau2 <= 0.0) return kMaxWeight;
  return std::clamp(2.0 * pooled_variance * pooled_variance / tau2, settings.prior_samples, kMaxWeight);
}

}  // namespace

double log_outlier_density(const ZoneModelSettings& settings) {
  return std::log(settings.outlier_share / settings.outlier_range_db);
}

double level_of(const Beacon& beacon, int rssi) {
  return static_cast<double>(rssi) + beacon.calibration_offset_db - static_cast<double>(beacon.tx_power_1m);
}

std::size_t column_of(const std::vector<const Beacon*>& columns, const BeaconKey& key) {
  return static_cast<std::size_t>(
      std::find_if(columns.begin(), columns.end(), [&key](const Beacon* b) { return b->key == key; }) -
      columns.begin());
}

std::optional<std::size_t> calibrated_zone_of(const FingerprintSample& sample, const std::vector<Zone>& zones,
                                              const std::vector<const Beacon*>& columns) {
  const auto zone = std::find_if(zones.begin(), zones.end(), [&](const Zone& z) { return z.id == sample.zone_id; });
  const bool heard_any = std::any_of(sample.readings.begin(), sample.readings.end(), [&](const auto& r) {
    return r.rssi > kNotHeardRssi && column_of(columns, r.beacon) < columns.size();
  });
  if (zone == zones.end() || !heard_any) return std::nullopt;
  return static_cast<std::size_t>(zone - zones.begin());
}

double beacon_log_likelihood(const BeaconEmission& e, int count, double sum, double log_outlier) {
  if (count == 0) return e.log_unheard;
  // Radio fades (a body, a wall, a deep multipath null) make a reading far
  // fainter than expected now and then; nothing makes one far louder than
  // the zone allows. So only the faint side has the outlier floor.
  const double d = sum / count - e.mean;
  const double gaussian = e.log_peak - e.half_precision * d * d;
  return e.log_heard + (d < 0.0 ? std::max(gaussian, log_outlier) : gaussian);
}

double report_log_likelihood(std::span<const BeaconEmission> row, std::span<const int> counts,
                             std::span<const double> sums, double log_outlier) {
  double sum = 0.0;
  for (std::size_t c = 0; c < row.size(); ++c) sum += beacon_log_likelihood(row[c], counts[c], sums[c], log_outlier);
  return sum;
}

CalibrationTallies tally_calibration(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                                     const StoreFingerprints* fingerprints, const ZoneModelSettings& settings) {
  const std::size_t width = columns.size();
  CalibrationTallies tallies;
  tallies.width = width;
  tallies.cells.resize(zones.size() * width);
  tallies.column_heard.assign(width, 0);
  tallies.weakest.assign(width, 0.0);
  if (fingerprints != nullptr) {
    for (const FingerprintSample& sample : fingerprints->samples) {
      const std::optional<std::size_t> zone = calibrated_zone_of(sample, zones, columns);
      if (!zone) continue;
      const std::size_t z = *zone;
      for (std::size_t c = 0; c < width; ++c) ++tallies.cells[z * width + c].scans;
      for (const FingerprintReading& reading : sample.readings) {
        const std::size_t c = column_of(columns, reading.beacon);
        if (c == width || reading.rssi <= kNotHeardRssi) continue;
        const double level = level_of(*columns[c], reading.rssi);
        EmissionTally& t = tallies.cells[z * width + c];
        ++t.heard;
        t.sum += level;
        t.sum_squares += level * level;
        tallies.weakest[c] = tallies.column_heard[c] ? std::min(tallies.weakest[c], level) : level;
        tallies.column_heard[c] = 1;
      }
    }
  }
  // The store's pooled spread: every zone and beacon heard at least twice.
  double pooled_squares = 0.0;
  double pooled_degrees = 0.0;
  for (const EmissionTally& t : tallies.cells) {
    if (t.heard < 2) continue;
    const double mean = t.sum / t.heard;
    pooled_squares += std::max(0.0, t.sum_squares - t.heard * mean * mean);
    pooled_degrees += t.heard - 1;
  }
  tallies.pooled_variance = pooled_degrees > 0.0 ? pooled_squares / pooled_degrees
                                                 : settings.path_loss_sigma_db * settings.path_loss_sigma_db;
  tallies.prior_samples = pooled_weight(tallies.cells, tallies.pooled_variance, settings);
  return tallies;
}

bool zone_emissions(std::size_t zone, std::span<const EmissionTally> row, const CalibrationTallies& tallies,
                    const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                    const ZoneModelSettings& settings, std::span<BeaconEmission> out) {
  const std::size_t width = tallies.width;
  const bool zone_calibrated = width > 0 && row[0].scans > 0;
  const double min_variance = settings.min_sigma_db * settings.min_sigma_db;
  const double pooled_variance = tallies.pooled_variance;
  for (std::size_t c = 0; c < width; ++c) {
    const EmissionTally& t = row[c];
    if (!zone_calibrated || !tallies.column_heard[c]) {
      out[c] = predicted(zones[zone], *columns[c], zones, settings);
      continue;
    }
    // Laplace's rule: a zone where the beacon was never heard in n scans
    // still hears it with chance 1 / (n + 2).
    const double heard = (t.heard + 1.0) / (t.scans + 2.0);
    // Never heard here: when it is, it is as faint as calibration ever
    // heard it, with twice the usual spread.
    double mean = tallies.weakest[c];
    double variance = 4.0 * pooled_variance;
    if (t.heard > 0) {
      mean = t.sum / t.heard;
      const double squares = std::max(0.0, t.sum_squares - t.heard * mean * mean);
      variance = (squares + tallies.prior_samples * pooled_variance) / (t.heard - 1.0 + tallies.prior_samples);
      // The mean is an estimate too: a new reading varies by both.
      variance *= 1.0 + 1.0 / t.heard;
    }
    out[c] = make_emission(heard, mean, std::sqrt(std::max(variance, min_variance)), settings);
  }
  return zone_calibrated;
}

std::vector<EmissionTally> tallies_without(std::span<const EmissionTally> row,
                                           const std::vector<const Beacon*>& columns,
                                           const StoreFingerprints& fingerprints,
                                           std::span<const std::size_t> samples) {
  std::vector<EmissionTally> rest(row.begin(), row.end());
  for (const std::size_t index : samples) {
    for (EmissionTally& t : rest) --t.scans;
    for (const FingerprintReading& reading : fingerprints.samples[index].readings) {
      const std::size_t c = column_of(columns, reading.beacon);
      if (c == columns.size() || reading.rssi <= kNotHeardRssi) continue;
      const double level = level_of(*columns[c], reading.rssi);
      EmissionTally& t = rest[c];
      --t.heard;
      t.sum -= level;
      t.sum_squares -= level * level;
    }
  }
  return rest;
}

EmissionTable learn_emissions(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                              const CalibrationTallies& tallies, const ZoneModelSettings& settings) {
  const std::size_t width = columns.size();
  EmissionTable table;
  table.cells.resize(zones.size() * width);
  table.calibrated.assign(zones.size(), 0);
  const std::span<const EmissionTally> all(tallies.cells);
  const std::span<BeaconEmission> cells(table.cells);
  for (std::size_t z = 0; z < zones.size(); ++z) {
    table.calibrated[z] = zone_emissions(z, all.subspan(z * width, width), tallies, zones, columns, settings,
                                         cells.subspan(z * width, width))
                              ? 1
                              : 0;
  }
  return table;
}

}  // namespace tastesync::domain
