#include "domain/services/fingerprint_classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tastesync::domain {
namespace {

// The resolver's normalisation (identification_service.cpp): dB relative to
// the beacon's 1 m power, corrected by its calibration offset.
double normalised(const Beacon& beacon, double rssi) {
  return rssi + beacon.calibration_offset_db - static_cast<double>(beacon.tx_power_1m);
}

}  // namespace

Result<FingerprintClassifier> FingerprintClassifier::build_from(const StoreFingerprints& fingerprints,
                                                                const std::vector<const Beacon*>& beacons,
                                                                FingerprintSettings settings) {
  if (settings.k < 1) return fail(ErrorCode::kInvalidArgument, "fingerprint k must be at least 1", "k");
  FingerprintClassifier classifier;
  classifier.settings_ = settings;
  // Columns: every known beacon the samples mention, in first-seen order.
  std::size_t next = 0;
  for (const FingerprintSample& sample : fingerprints.samples) {
    for (std::size_t r = 0; r < sample.readings.size(); ++r, ++next) {
      const Beacon* beacon = beacons[next];
      if (beacon == nullptr || classifier.column(beacon->key) >= 0) continue;
      classifier.beacons_.push_back(beacon->key);
      classifier.not_heard_.push_back(normalised(*beacon, settings.not_heard_rssi));
    }
  }
  const std::size_t width = classifier.beacons_.size();
  next = 0;
  for (const FingerprintSample& sample : fingerprints.samples) {
    std::vector<double> row = classifier.not_heard_;
    bool heard = false;
    for (std::size_t r = 0; r < sample.readings.size(); ++r, ++next) {
      const Beacon* beacon = beacons[next];
      const FingerprintReading& reading = sample.readings[r];
      if (beacon == nullptr || reading.rssi <= kNotHeardRssi) continue;
      row[static_cast<std::size_t>(classifier.column(beacon->key))] = normalised(*beacon, reading.rssi);
      heard = true;
    }
    if (!heard) continue;  // a scan of nothing tells nothing about its zone
    auto zone = std::find(classifier.zones_.begin(), classifier.zones_.end(), sample.zone_id);
    if (zone == classifier.zones_.end()) zone = classifier.zones_.insert(zone, sample.zone_id);
    classifier.labels_.push_back(static_cast<std::size_t>(zone - classifier.zones_.begin()));
    classifier.levels_.insert(classifier.levels_.end(), row.begin(), row.end());
  }
  if (classifier.labels_.empty() || width == 0) {
    return fail(ErrorCode::kInvalidArgument,
                "store '" + fingerprints.store_id + "' has no fingerprint sample with a registered beacon heard",
                "samples");
  }
  return classifier;
}

int FingerprintClassifier::column(const BeaconKey& key) const {
  const auto found = std::find(beacons_.begin(), beacons_.end(), key);
  return found == beacons_.end() ? -1 : static_cast<int>(found - beacons_.begin());
}

std::vector<ZoneDistance> FingerprintClassifier::rank(std::span<const double> scan) const {
  const std::size_t width = beacons_.size();
  // Per zone, its samples' distances; then the mean of the k smallest.
  std::vector<std::vector<double>> per_zone(zones_.size());
  for (std::size_t s = 0; s < labels_.size(); ++s) {
    double sum = 0.0;
    for (std::size_t c = 0; c < width; ++c) {
      const double level = c < scan.size() ? scan[c] : not_heard_[c];
      const double d = level - levels_[s * width + c];
      sum += d * d;
    }
    per_zone[labels_[s]].push_back(std::sqrt(sum));
  }
  std::vector<ZoneDistance> ranked;
  ranked.reserve(zones_.size());
  const auto k = static_cast<std::size_t>(settings_.k);
  for (std::size_t z = 0; z < zones_.size(); ++z) {
    std::vector<double>& distances = per_zone[z];
    const std::size_t n = std::min(k, distances.size());
    std::partial_sort(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(n), distances.end());
    const double mean = std::accumulate(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(n), 0.0) /
                        static_cast<double>(n);
    ranked.push_back(ZoneDistance{zones_[z], mean});
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const ZoneDistance& a, const ZoneDistance& b) { return a.distance_db < b.distance_db; });
  return ranked;
}

}  // namespace tastesync::domain
