#include "domain/services/calibration_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <utility>

#include "domain/services/zone_emissions.h"
#include "domain/services/zone_recordings.h"

namespace tastesync::domain {
namespace {

// A sample as the emission model sees it: per column, how many readings and
// their summed level.
struct HeldOut {
  std::vector<int> counts;
  std::vector<double> sums;
  bool heard_any = false;
};

HeldOut levels_of(const ZoneModel& model, const FingerprintSample& sample) {
  HeldOut held{std::vector<int>(model.columns(), 0), std::vector<double>(model.columns(), 0.0), false};
  for (const FingerprintReading& reading : sample.readings) {
    const int column = model.column(reading.beacon);
    if (column < 0 || reading.rssi <= kNotHeardRssi) continue;
    const auto c = static_cast<std::size_t>(column);
    ++held.counts[c];
    held.sums[c] += level_of(model.beacon(c), reading.rssi);
    held.heard_any = true;
  }
  return held;
}

// ln P(sample | zone) as the zone filter weighs it (zone_filter.cpp,
// zone_log_likelihoods): for a calibrated zone the mixture of its per-beacon
// `emissions` and the kernel density over its recordings, without the kept
// scans [skip.first, skip.second) (the held-out block).
double mixed_log_likelihood(const ZoneModel& model, std::size_t zone, std::span<const BeaconEmission> emissions,
                            const HeldOut& held, std::pair<std::size_t, std::size_t> skip) {
  const double per_beacon = report_log_likelihood(emissions, held.counts, held.sums, model.log_outlier());
  const double w = model.kernel_weight();
  const std::size_t kept = model.recordings().scans(zone);
  if (!(w > 0.0) || kept <= skip.second - skip.first) return per_beacon;
  const double kernel =
      model.recordings().log_likelihood(zone, held.counts, held.sums, emissions, skip.first, skip.second);
  const double top = std::max(kernel, per_beacon);
  return top + std::log(w * std::exp(kernel - top) + (1.0 - w) * std::exp(per_beacon - top));
}

}  // namespace

Result<CalibrationReport> cross_validated_report(const Store& store, const std::vector<const Beacon*>& beacons,
                                                 const StoreFingerprints& fingerprints,
                                                 const ZoneModelSettings& settings, double confusable_share) {
  if (!(confusable_share > 0.0 && confusable_share <= 1.0))
    return fail(ErrorCode::kInvalidArgument, "the confusable share must be in (0, 1]", "confusable_share");
  auto full = ZoneModel::build(store, beacons, &fingerprints, settings);
  if (!full) return std::unexpected(full.error());
  const std::size_t n = full->zones();
  const std::size_t width = full->columns();
  std::vector<Zone> zones;
  std::vector<const Beacon*> columns;
  for (std::size_t z = 0; z < n; ++z) zones.push_back(full->zone(z));
  for (std::size_t c = 0; c < width; ++c) columns.push_back(&full->beacon(c));
  const CalibrationTallies tallies = tally_calibration(zones, columns, &fingerprints, settings);
  // Whether a zone stays observable without calibration (zone_model.h).
  std::vector<char> heard_without_samples(n, 0);
  for (std::size_t z = 0; z < n; ++z) {
    heard_without_samples[z] =
        zones[z].position ||
                std::any_of(columns.begin(), columns.end(), [&](const Beacon* b) { return b->zone_id == zones[z].id; })
            ? 1
            : 0;
  }

  CalibrationReport result;
  result.zones.resize(n);
  for (std::size_t z = 0; z < n; ++z) {
    result.zones[z].zone_id = zones[z].id;
    result.zones[z].placed.assign(n, 0);
  }
  const CalibrationBlocks blocks(zones, columns, fingerprints);
  EmissionsWithoutBlock without_block(zones, columns, fingerprints, blocks, tallies, settings);
  for (std::size_t sample_index = 0; sample_index < fingerprints.samples.size(); ++sample_index) {
    const FingerprintSample& sample = fingerprints.samples[sample_index];
    const auto truth = full->zone_index(sample.zone_id);
    if (!truth) continue;
    ++result.zones[*truth].recorded;
    if (!blocks.zone_of(sample_index)) continue;  // a scan of nothing is not calibration
    const HeldOut held = levels_of(*full, sample);
    const std::span<const std::size_t> block = blocks.block_of(sample_index);
    const auto [row, still_calibrated] = without_block.of(sample_index);
    // The block's recordings the zone kept are left out of its kernel too; a
    // zone that kept nothing else has no kernel left.
    const auto skip = full->recordings().kept_within(*truth, block.front(), block.back());
    std::optional<std::size_t> placed;
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t z = 0; z < n; ++z) {
      const bool own = z == *truth;
      const bool observable = own ? still_calibrated || heard_without_samples[z] != 0 : full->observable(z);
      if (!observable) continue;
      const std::span<const BeaconEmission> emissions = own ? row : full->emission_row(z);
      const double ll =
          mixed_log_likelihood(*full, z, emissions, held, own ? skip : std::pair<std::size_t, std::size_t>{0, 0});
      if (!placed || ll > best) {
        best = ll;
        placed = z;
      }
    }
    if (!placed) continue;
    ZoneCalibrationQuality& quality = result.zones[*truth];
    ++quality.samples;
    ++quality.placed[*placed];
  }

  for (std::size_t z = 0; z < n; ++z) {
    ZoneCalibrationQuality& quality = result.zones[z];
    quality.placed_right = quality.placed[z];
    for (std::size_t p = 0; p < n; ++p) {
      if (p != z && quality.placed[p] > quality.confused) {
        quality.confused = quality.placed[p];
        quality.most_confused_with = zones[p].id;
      }
    }
  }
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = a + 1; b < n; ++b) {
      const std::size_t total = result.zones[a].samples + result.zones[b].samples;
      if (total == 0) continue;
      const double share =
          static_cast<double>(result.zones[a].placed[b] + result.zones[b].placed[a]) / static_cast<double>(total);
      if (share >= confusable_share) result.confusable.push_back({zones[a].id, zones[b].id, share});
    }
  }
  std::stable_sort(result.confusable.begin(), result.confusable.end(),
                   [](const ConfusablePair& x, const ConfusablePair& y) { return x.share > y.share; });
  return result;
}

}  // namespace tastesync::domain
