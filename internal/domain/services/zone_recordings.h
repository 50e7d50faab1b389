#pragma once

// What calibration recorded in each zone, kept scan by scan: the zone
// filter's emission for a calibrated zone is a kernel density over these
// scans (how much a report looks like one of the zone's recordings, averaged
// over them), not one Gaussian per beacon. A zone's scans are not independent
// beacon by beacon: which beacons a phone hears together, and at what levels,
// depends on where exactly it was held and how, and a per-beacon model
// throws that away (in the UCI data a scan hears 1.4 of 13 beacons on
// average, and a per-beacon model places single scans worse than even the
// nearest recorded scan does). See docs/accuracy.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/zone.h"
#include "domain/services/zone_emissions.h"

namespace tastesync::domain {

inline constexpr std::size_t kCalibrationFolds = 5;

// The blocks that cross-validation leaves out (the kernel here, the
// calibration report): each zone's scans that heard a beacon of the store
// (those the tallies and the recordings hold), in the order recorded, in
// kCalibrationFolds consecutive blocks. A phone held still records nearly
// the same scan twice in a row, so a scan left out alone is still predicted
// by its neighbours in time, which flatters the kernel; a customer is heard
// later than the calibration was recorded.
class CalibrationBlocks {
 public:
  CalibrationBlocks(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                    const StoreFingerprints& fingerprints);
  // The zone (index in `zones`) sample `sample` calibrates; nullopt for a
  // zone the store lacks or a scan of nothing.
  std::optional<std::size_t> zone_of(std::size_t sample) const;
  // For a sample with a zone: which of the zone's blocks it is in, and that
  // block's samples (indices into the calibration, in order).
  std::size_t fold_of(std::size_t sample) const;
  std::span<const std::size_t> block_of(std::size_t sample) const;
  // A zone's scans (indices into the calibration, in order).
  std::span<const std::size_t> scans_of(std::size_t zone) const { return by_zone_[zone]; }

 private:
  std::pair<std::size_t, std::size_t> bounds(std::size_t zone, std::size_t fold) const;
  std::vector<std::vector<std::size_t>> by_zone_;
  std::vector<std::size_t> zone_of_;  // per sample; by_zone_.size(): none
};

// A zone's per-beacon emissions learned without one block of its scans
// (zone_emissions from its tallies minus the block), learned the first time
// a scan of that block is held out: what cross-validation weighs a held-out
// scan's own zone with. The arguments must outlive it.
class EmissionsWithoutBlock {
 public:
  EmissionsWithoutBlock(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                        const StoreFingerprints& fingerprints, const CalibrationBlocks& blocks,
                        const CalibrationTallies& tallies, const ZoneModelSettings& settings);
  struct Row {
    std::span<const BeaconEmission> emissions;
    bool calibrated = false;  // the zone still has calibration without the block
  };
  // For a sample with a zone (CalibrationBlocks::zone_of).
  Row of(std::size_t sample);

 private:
  const std::vector<Zone>& zones_;
  const std::vector<const Beacon*>& columns_;
  const StoreFingerprints& fingerprints_;
  const CalibrationBlocks& blocks_;
  const CalibrationTallies& tallies_;
  const ZoneModelSettings& settings_;
  std::vector<std::vector<BeaconEmission>> rows_;  // zone x fold
  std::vector<char> calibrated_;
};

class ZoneRecordings {
 public:
  ZoneRecordings() = default;

  // Keeps at most `max_per_zone` scans per zone (evenly spread over its
  // recordings, in order), on the level scale of level_of. `kernel_sigma_db`
  // per zone: the spread of the kernel around each scan (kernel_bandwidth).
  // Zones without scans keep none.
  // `bandwidth_scale` multiplies the spread (never below min_sigma_db).
  // `blocks` are `fingerprints`' (null: no calibration, every zone keeps none).
  static ZoneRecordings keep(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                             const StoreFingerprints* fingerprints, const CalibrationBlocks& blocks,
                             const CalibrationTallies& tallies, const ZoneModelSettings& settings,
                             double bandwidth_scale = 1.0);

  bool has(std::size_t zone) const { return zone + 1 < begin_.size() && begin_[zone + 1] > begin_[zone]; }
  std::size_t scans(std::size_t zone) const { return has(zone) ? begin_[zone + 1] - begin_[zone] : 0; }

  // ln P(report | zone) for a zone that has scans: the mean over its scans
  // of each scan's kernel. `counts`/`sums` per column as report_log_likelihood
  // takes them; `row` is the zone's per-beacon emission, used for the columns
  // calibration never heard anywhere (a beacon added afterwards).
  // [skip_from, skip_to): scans of the zone left out (indices among the
  // zone's kept scans); the zone must keep another.
  double log_likelihood(std::size_t zone, std::span<const int> counts, std::span<const double> sums,
                        std::span<const BeaconEmission> row, std::size_t skip_from = 0, std::size_t skip_to = 0) const;
  // The kept scans of `zone` that are samples `first_sample` to `last_sample`
  // (inclusive) of the calibration: [from, to) among the zone's kept scans.
  std::pair<std::size_t, std::size_t> kept_within(std::size_t zone, std::size_t first_sample,
                                                  std::size_t last_sample) const;

 private:
  std::size_t width_ = 0;
  std::vector<std::uint32_t> begin_;    // zones + 1 offsets into the scans
  std::vector<std::size_t> source_;     // per scan: its index in the calibration's samples
  std::vector<float> levels_;           // per zone: columns x scans; NaN: not heard
  std::vector<double> unheard_base_;    // per scan: its kernel for a report hearing nothing
  std::vector<char> kernel_column_;     // per column: calibration heard it somewhere
  std::vector<double> half_precision_;  // per zone: 1 / (2 h^2)
  std::vector<double> log_norm_;        // per zone: ln(1 / (h sqrt(2 pi)))
  double log_kept_ = 0.0;               // ln(1 - miss): heard-state as recorded
  double log_missed_ = 0.0;             // ln(miss): heard-state not as recorded
  double log_outlier_ = 0.0;            // a level where the scan heard nothing
  double log_outlier_density_ = 0.0;    // the per-beacon model's floor
  double log_fade_floor_ = 0.0;         // a reading far fainter than recorded
};

// How a calibrated zone's emission uses its recordings, chosen by how well
// the recordings predict each other: the weight w of the mixture
// w * kernel + (1 - w) * per-beacon (zone_emissions.h), and the kernel's
// spread as a factor on Silverman's rule (kBandwidthScales), the pair whose
// mixture best predicts each recorded scan from the zone's scans recorded at
// other times (blocked cross-validation, CalibrationBlocks; summed log
// posterior over at most 2,000 scans; w in steps of 0.1). Per-beacon readings
// that really are independent (one Gaussian per beacon describes them) get a
// low weight, scans whose beacons come and go together a high one; Silverman's
// rule assumes Gaussian scans and smooths scans that cluster too much. The
// store's own recordings choose. A configured weight (zone_filter.
// kernel_weight >= 0) is taken as it is, with Silverman's spread. Without
// calibration: weight 0.
inline constexpr std::array<double, 4> kBandwidthScales = {1.0, 0.5, 0.7, 1.4};
struct ChosenKernel {
  ZoneRecordings recordings;
  double weight = 0.0;
  double bandwidth_scale = 1.0;
};
// `emissions`: every zone's per-beacon emissions learned from `tallies`
// (learn_emissions' cells).
ChosenKernel cross_validated_kernel(const std::vector<Zone>& zones, const std::vector<const Beacon*>& columns,
                                    const StoreFingerprints* fingerprints, const CalibrationTallies& tallies,
                                    std::span<const BeaconEmission> emissions, const ZoneModelSettings& settings);

// The kernel's spread for a zone with `scans` recordings when a reading
// varies by `sigma_db` around its zone's mean: Silverman's rule of thumb,
// sigma (4 / 3n)^(1/5), never below `min_sigma_db`.
double kernel_bandwidth(double sigma_db, std::size_t scans, double min_sigma_db);

}  // namespace tastesync::domain
