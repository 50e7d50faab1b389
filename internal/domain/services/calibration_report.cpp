#include "domain/services/calibration_report.h"

#include <algorithm>

#include "domain/services/zone_filter.h"

namespace tastesync::domain {

Result<CalibrationReport> leave_one_out_report(const Store& store, const std::vector<const Beacon*>& beacons,
                                               const StoreFingerprints& fingerprints, const ZoneModelSettings& settings,
                                               double confusable_share) {
  if (!(confusable_share > 0.0 && confusable_share <= 1.0))
    return fail(ErrorCode::kInvalidArgument, "the confusable share must be in (0, 1]", "confusable_share");
  auto full = ZoneModel::build(store, beacons, &fingerprints, settings);
  if (!full) return std::unexpected(full.error());
  const std::size_t n = full->zones();
  // confusion[truth][placed]
  std::vector<std::vector<std::size_t>> confusion(n, std::vector<std::size_t>(n, 0));
  StoreFingerprints others{fingerprints.store_id, {}};
  others.samples.reserve(fingerprints.samples.size());
  for (std::size_t held = 0; held < fingerprints.samples.size(); ++held) {
    const FingerprintSample& sample = fingerprints.samples[held];
    const auto truth = full->zone_index(sample.zone_id);
    if (!truth) continue;
    std::vector<HeardLevel> report;
    for (const FingerprintReading& reading : sample.readings) {
      const int column = full->column(reading.beacon);
      if (column < 0 || reading.rssi <= kNotHeardRssi) continue;
      const Beacon& beacon = full->beacon(static_cast<std::size_t>(column));
      report.push_back(HeardLevel{column, static_cast<double>(reading.rssi) + beacon.calibration_offset_db -
                                              static_cast<double>(beacon.tx_power_1m)});
    }
    if (report.empty()) continue;  // a scan of nothing is not calibration
    others.samples.clear();
    for (std::size_t s = 0; s < fingerprints.samples.size(); ++s) {
      if (s != held) others.samples.push_back(fingerprints.samples[s]);
    }
    auto model = ZoneModel::build(store, beacons, &others, settings);
    if (!model) return std::unexpected(model.error());
    const std::vector<double> log_likelihood = zone_log_likelihoods(*model, report);
    std::size_t placed = 0;
    for (std::size_t z = 1; z < n; ++z) {
      if (model->observable(z) && log_likelihood[z] > log_likelihood[placed]) placed = z;
    }
    ++confusion[*truth][placed];
  }

  CalibrationReport result;
  for (std::size_t z = 0; z < n; ++z) {
    ZoneCalibrationQuality quality;
    quality.zone_id = full->zone(z).id;
    for (std::size_t p = 0; p < n; ++p) quality.samples += confusion[z][p];
    if (quality.samples == 0) continue;
    quality.placed_right = confusion[z][z];
    for (std::size_t p = 0; p < n; ++p) {
      if (p != z && confusion[z][p] > quality.confused) {
        quality.confused = confusion[z][p];
        quality.most_confused_with = full->zone(p).id;
      }
    }
    result.zones.push_back(std::move(quality));
  }
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = a + 1; b < n; ++b) {
      std::size_t total = 0;
      for (std::size_t p = 0; p < n; ++p) total += confusion[a][p] + confusion[b][p];
      if (total == 0) continue;
      const double share = static_cast<double>(confusion[a][b] + confusion[b][a]) / static_cast<double>(total);
      if (share >= confusable_share) result.confusable.push_back({full->zone(a).id, full->zone(b).id, share});
    }
  }
  std::stable_sort(result.confusable.begin(), result.confusable.end(),
                   [](const ConfusablePair& x, const ConfusablePair& y) { return x.share > y.share; });
  return result;
}

}  // namespace tastesync::domain
