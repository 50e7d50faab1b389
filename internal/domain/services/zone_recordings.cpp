#include "domain/services/zone_recordings.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

namespace tastesync::domain {

double kernel_bandwidth(double sigma_db, std::size_t scans, double min_sigma_db) {
  const double n = static_cast<double>(std::max<std::size_t>(scans, 1));
  return std::max(min_sigma_db, sigma_db * std::pow(4.0 / (3.0 * n), 0.2));
}

ZoneRecordings ZoneRecordings::keep(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                                    const StoreFingerprints* fingerprints, const CalibrationBlocks& blocks,
                                    const CalibrationTallies& tallies, const ZoneModelSettings& settings,
                                    double bandwidth_scale) {
  ZoneRecordings kept;
  const std::size_t width = columns.size();
  kept.width_ = width;
  kept.kernel_column_ = tallies.column_heard;
  kept.log_kept_ = std::log(1.0 - settings.miss_probability);
  kept.log_missed_ = std::log(std::max(settings.miss_probability, 1e-6));
  kept.log_outlier_ = -std::log(settings.outlier_range_db);
  kept.log_outlier_density_ = log_outlier_density(settings);
  kept.log_fade_floor_ = kept.log_kept_ + kept.log_outlier_density_;
  const double sigma = std::sqrt(tallies.pooled_variance);
  kept.begin_.push_back(0);
  for (std::size_t z = 0; z < zones.size(); ++z) {
    // The zone's scans that heard any of the store's beacons (as tallied).
    const std::span<const std::size_t> scans = blocks.scans_of(z);
    const std::size_t count = std::min(scans.size(), settings.max_kernel_scans);
    const double h =
        std::max(settings.min_sigma_db, bandwidth_scale * kernel_bandwidth(sigma, scans.size(), settings.min_sigma_db));
    kept.half_precision_.push_back(1.0 / (2.0 * h * h));
    kept.log_norm_.push_back(-std::log(h * std::sqrt(2.0 * std::numbers::pi)));
    std::vector<float> rows;  // the zone's kept scans, row by row
    for (std::size_t i = 0; i < count; ++i) {
      // Evenly over the recordings: the first, ..., the last.
      const std::size_t index = scans[i * scans.size() / count];
      const FingerprintSample& sample = fingerprints->samples[index];
      kept.source_.push_back(index);
      std::vector<float> row(width, std::numeric_limits<float>::quiet_NaN());
      for (const FingerprintReading& reading : sample.readings) {
        const std::size_t c = column_of(columns, reading.beacon);
        if (c == width || reading.rssi <= kNotHeardRssi) continue;
        row[c] = static_cast<float>(level_of(*columns[c], reading.rssi));  // several readings: the last counts
      }
      double base = 0.0;
      for (std::size_t c = 0; c < width; ++c) {
        if (kept.kernel_column_[c]) base += std::isnan(row[c]) ? kept.log_kept_ : kept.log_missed_;
      }
      kept.unheard_base_.push_back(base);
      rows.insert(rows.end(), row.begin(), row.end());
    }
    // Stored column by column: a report's heard column is compared with
    // every recording of it in one sweep.
    for (std::size_t c = 0; c < width; ++c) {
      for (std::size_t i = 0; i < count; ++i) kept.levels_.push_back(rows[i * width + c]);
    }
    kept.begin_.push_back(static_cast<std::uint32_t>(kept.unheard_base_.size()));
  }
  return kept;
}

std::pair<std::size_t, std::size_t> ZoneRecordings::kept_within(std::size_t zone, std::size_t first_sample,
                                                                std::size_t last_sample) const {
  if (!has(zone)) return {0, 0};
  const auto first = source_.begin() + begin_[zone];
  const auto last = source_.begin() + begin_[zone + 1];
  const auto from = std::lower_bound(first, last, first_sample);  // kept in calibration order
  const auto to = std::upper_bound(from, last, last_sample);
  return {static_cast<std::size_t>(from - first), static_cast<std::size_t>(to - first)};
}

double ZoneRecordings::log_likelihood(std::size_t zone, std::span<const int> counts, std::span<const double> sums,
                                      std::span<const BeaconEmission> row, std::size_t skip_from,
                                      std::size_t skip_to) const {
  // Columns calibration never heard: the zone's per-beacon emission, the
  // same for every scan.
  double outside = 0.0;
  for (std::size_t c = 0; c < width_; ++c) {
    if (!kernel_column_[c]) outside += beacon_log_likelihood(row[c], counts[c], sums[c], log_outlier_density_);
  }
  // Every scan starts from what it heard or missed of the columns the report
  // did not hear (unheard_base_); each column the report heard then adds its
  // kernel to every scan, a column's recordings side by side in memory.
  // In float: the sweep below is the filter's hot loop (zones x kept scans x
  // beacons heard per report), and in float the compiler runs it four scans
  // at a time; a kernel's log is far from needing double's digits.
  const std::size_t n = scans(zone);
  std::array<float, 64> inline_sums{};
  std::vector<float> more_sums;
  float* scan_sums = inline_sums.data();
  if (n > inline_sums.size()) {
    more_sums.resize(n);
    scan_sums = more_sums.data();
  }
  for (std::size_t s = 0; s < n; ++s) scan_sums[s] = static_cast<float>(unheard_base_[begin_[zone] + s]);
  const auto hp = static_cast<float>(half_precision_[zone]);
  const auto heard_peak = static_cast<float>(log_kept_ + log_norm_[zone] - log_missed_);
  // Heard now, not in the recording: as likely as a miss, at any level.
  const auto heard_elsewhere = static_cast<float>(log_missed_ + log_outlier_ - log_kept_);
  // A fade (far fainter than recorded) is floored as the per-beacon emission
  // floors it; a far louder reading is not.
  const auto fade_floor = static_cast<float>(log_fade_floor_ - log_missed_);
  const float* block = levels_.data() + static_cast<std::size_t>(begin_[zone]) * width_;
  for (std::size_t c = 0; c < width_; ++c) {
    if (counts[c] == 0 || !kernel_column_[c]) continue;
    const auto level = static_cast<float>(sums[c] / counts[c]);
    const float* recorded = block + c * n;
    for (std::size_t s = 0; s < n; ++s) {
      const float r = recorded[s];
      const float d = level - r;
      const float kernel = heard_peak - hp * d * d;
      const float term = d < 0.0F ? std::max(kernel, fade_floor) : kernel;
      scan_sums[s] += std::isnan(r) ? heard_elsewhere : term;
    }
  }
  // The mean of the scans' kernels (log-sum-exp); a scan far below the best
  // (e^-40: nothing a mean of at most a thousand scans can notice) costs no exp.
  constexpr double kNegligible = 40.0;
  double top = -std::numeric_limits<double>::infinity();
  const auto skipped = [skip_from, skip_to](std::size_t s) { return s >= skip_from && s < skip_to; };
  for (std::size_t s = 0; s < n; ++s) {
    if (!skipped(s)) top = std::max(top, static_cast<double>(scan_sums[s]));
  }
  double total = 0.0;
  std::size_t used = 0;
  for (std::size_t s = 0; s < n; ++s) {
    if (skipped(s)) continue;
    ++used;
    if (scan_sums[s] - top > -kNegligible) total += std::exp(scan_sums[s] - top);
  }
  return outside + top + std::log(total / static_cast<double>(used));
}

CalibrationBlocks::CalibrationBlocks(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                                     const StoreFingerprints& fingerprints)
    : by_zone_(zones.size()), zone_of_(fingerprints.samples.size(), zones.size()) {
  for (std::size_t index = 0; index < fingerprints.samples.size(); ++index) {
    const std::optional<std::size_t> zone = calibrated_zone_of(fingerprints.samples[index], zones, columns);
    if (!zone) continue;
    zone_of_[index] = *zone;
    by_zone_[*zone].push_back(index);
  }
}

std::optional<std::size_t> CalibrationBlocks::zone_of(std::size_t sample) const {
  if (sample >= zone_of_.size() || zone_of_[sample] == by_zone_.size()) return std::nullopt;
  return zone_of_[sample];
}

std::size_t CalibrationBlocks::fold_of(std::size_t sample) const {
  const std::vector<std::size_t>& scans = by_zone_[zone_of_[sample]];
  const auto position = static_cast<std::size_t>(std::lower_bound(scans.begin(), scans.end(), sample) - scans.begin());
  return position * kCalibrationFolds / scans.size();
}

// Positions [lo, hi) of the zone's scans: those whose position p has
// p * kCalibrationFolds / n == fold.
std::pair<std::size_t, std::size_t> CalibrationBlocks::bounds(std::size_t zone, std::size_t fold) const {
  const std::size_t n = by_zone_[zone].size();
  return {(fold * n + kCalibrationFolds - 1) / kCalibrationFolds,
          ((fold + 1) * n + kCalibrationFolds - 1) / kCalibrationFolds};
}

std::span<const std::size_t> CalibrationBlocks::block_of(std::size_t sample) const {
  const std::size_t zone = zone_of_[sample];
  const auto [lo, hi] = bounds(zone, fold_of(sample));
  return std::span<const std::size_t>(by_zone_[zone]).subspan(lo, hi - lo);
}

EmissionsWithoutBlock::EmissionsWithoutBlock(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                                             const StoreFingerprints& fingerprints, const CalibrationBlocks& blocks,
                                             const CalibrationTallies& tallies, const ZoneModelSettings& settings)
    : zones_(zones),
      columns_(columns),
      fingerprints_(fingerprints),
      blocks_(blocks),
      tallies_(tallies),
      settings_(settings),
      rows_(zones.size() * kCalibrationFolds),
      calibrated_(zones.size() * kCalibrationFolds, 0) {}

EmissionsWithoutBlock::Row EmissionsWithoutBlock::of(std::size_t sample) {
  const std::size_t zone = *blocks_.zone_of(sample);
  const std::size_t cell = zone * kCalibrationFolds + blocks_.fold_of(sample);
  std::vector<BeaconEmission>& row = rows_[cell];
  if (row.empty()) {
    const std::size_t width = columns_.size();
    const auto rest = tallies_without(std::span<const EmissionTally>(tallies_.cells).subspan(zone * width, width),
                                      columns_, fingerprints_, blocks_.block_of(sample));
    row.resize(width);
    calibrated_[cell] = zone_emissions(zone, rest, tallies_, zones_, columns_, settings_, row) ? 1 : 0;
  }
  return {row, calibrated_[cell] != 0};
}

namespace {

// Every zone's per-beacon emissions as learned from all samples, and each
// zone's without one block of its scans: the same whatever the kernel's
// spread.
struct PerBeaconRows {
  std::span<const BeaconEmission> learned;
  EmissionsWithoutBlock without_block;
};

// Each weight's score (0, 0.1, ..., 1): the held-out scans' summed log
// posterior of their own zone. Empty when no scan could be checked.
std::vector<double> kernel_weight_scores(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                                         const StoreFingerprints& calibration, const ZoneRecordings& recordings,
                                         const CalibrationBlocks& blocks, PerBeaconRows& rows,
                                         const ZoneModelSettings& settings) {
  const std::size_t width = columns.size();
  constexpr int kSteps = 10;
  std::vector<double> score(kSteps + 1, 0.0);
  std::vector<int> counts(width);
  std::vector<double> sums(width);
  const double log_outlier = log_outlier_density(settings);
  const std::span<const BeaconEmission> all_rows = rows.learned;
  // At most kMaxChecked samples are checked (evenly spread): enough to choose
  // one weight, and a 50,000-sample import stays quick.
  constexpr std::size_t kMaxChecked = 2000;
  const std::size_t total_samples = calibration.samples.size();
  const std::size_t stride = std::max<std::size_t>(1, total_samples / kMaxChecked);
  bool any = false;
  for (std::size_t index = 0; index < total_samples; index += stride) {
    const FingerprintSample& sample = calibration.samples[index];
    const std::optional<std::size_t> zone = blocks.zone_of(index);
    if (!zone) continue;  // not a zone of the store, or a scan of nothing
    const std::size_t z = *zone;
    const std::span<const std::size_t> block = blocks.block_of(index);
    const auto [skip_from, skip_to] = recordings.kept_within(z, block.front(), block.back());
    // A zone with nothing kept outside the block has nothing to predict it with.
    if (recordings.scans(z) <= skip_to - skip_from) continue;
    std::fill(counts.begin(), counts.end(), 0);
    std::fill(sums.begin(), sums.end(), 0.0);
    for (const FingerprintReading& reading : sample.readings) {
      const std::size_t c = column_of(columns, reading.beacon);
      if (c == width || reading.rssi <= kNotHeardRssi) continue;
      ++counts[c];
      sums[c] += level_of(*columns[c], reading.rssi);
    }
    // Every zone's likelihood of the scan, its own learned without the block.
    const std::span<const BeaconEmission> row = rows.without_block.of(index).emissions;
    std::vector<double> per_beacon(zones.size());
    std::vector<double> kernel(zones.size());
    for (std::size_t other = 0; other < zones.size(); ++other) {
      const std::span<const BeaconEmission> emissions = other == z ? row : all_rows.subspan(other * width, width);
      per_beacon[other] = report_log_likelihood(emissions, counts, sums, log_outlier);
      kernel[other] = !recordings.has(other) ? per_beacon[other]
                      : other == z ? recordings.log_likelihood(other, counts, sums, emissions, skip_from, skip_to)
                                   : recordings.log_likelihood(other, counts, sums, emissions);
    }
    // How surely the mixture places the scan in its own zone (log posterior,
    // equal priors): the score of a classifier, which is what the filter is.
    for (int step = 0; step <= kSteps; ++step) {
      const double w = static_cast<double>(step) / kSteps;
      std::vector<double> mixed(zones.size());
      for (std::size_t other = 0; other < zones.size(); ++other) {
        const double top = std::max(per_beacon[other], kernel[other]);
        mixed[other] =
            top + std::log(w * std::exp(kernel[other] - top) + (1.0 - w) * std::exp(per_beacon[other] - top));
      }
      const double top = *std::max_element(mixed.begin(), mixed.end());
      double total = 0.0;
      for (const double m : mixed) total += std::exp(m - top);
      score[static_cast<std::size_t>(step)] += mixed[z] - top - std::log(total);
    }
    any = true;
  }
  if (!any) return {};
  return score;
}

}  // namespace

ChosenKernel cross_validated_kernel(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                                    const StoreFingerprints* fingerprints, const CalibrationTallies& tallies,
                                    std::span<const BeaconEmission> emissions, const ZoneModelSettings& settings) {
  const StoreFingerprints none;
  const CalibrationBlocks blocks(zones, columns, fingerprints != nullptr ? *fingerprints : none);
  ChosenKernel chosen{ZoneRecordings::keep(zones, columns, fingerprints, blocks, tallies, settings), 0.0, 1.0};
  if (settings.kernel_weight >= 0.0) {
    chosen.weight = settings.kernel_weight;
    return chosen;
  }
  if (fingerprints == nullptr) return chosen;
  PerBeaconRows rows{emissions, EmissionsWithoutBlock(zones, columns, *fingerprints, blocks, tallies, settings)};
  double best = -std::numeric_limits<double>::infinity();
  std::optional<ZoneRecordings> rescaled;  // the best spread's recordings, when not Silverman's
  // Silverman's spread first: another must predict strictly better.
  for (const double scale : kBandwidthScales) {
    std::optional<ZoneRecordings> candidate;
    if (scale != 1.0) candidate = ZoneRecordings::keep(zones, columns, fingerprints, blocks, tallies, settings, scale);
    const std::vector<double> scores = kernel_weight_scores(
        zones, columns, *fingerprints, candidate ? *candidate : chosen.recordings, blocks, rows, settings);
    if (scores.empty()) return chosen;
    const auto step = static_cast<std::size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
    if (scores[step] > best) {
      best = scores[step];
      chosen.weight = static_cast<double>(step) / static_cast<double>(scores.size() - 1);
      chosen.bandwidth_scale = scale;
      rescaled = std::move(candidate);
    }
  }
  if (rescaled) chosen.recordings = std::move(*rescaled);
  return chosen;
}

}  // namespace tastesync::domain
