#pragma once

// k-nearest-neighbour zone classifier over fingerprint samples.
//
// Signal space: one coordinate per beacon the store's samples mention, in dB
// relative to the beacon's own 1 m power (the same normalised level the
// resolver's tracks hold, so a tx-power change does not invalidate the
// calibration); a beacon not heard sits at a fixed floor level. A zone's
// distance to a scan is the mean Euclidean distance (dB) to its k nearest
// samples ("local mean" kNN: unlike a majority vote it gives every zone a
// score in dB, which the resolver's margin-and-evidence rule needs, and a
// zone with many samples does not outvote one with few).

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/error.h"

namespace tastesync::domain {

struct FingerprintSettings {
  int k = 3;
  // What "not heard" is worth (dBm): just below what phones still report.
  double not_heard_rssi = -105.0;
};

struct ZoneDistance {
  std::string zone_id;
  double distance_db = 0.0;
};

class FingerprintClassifier {
 public:
  // `beacon_of` gives the registered beacon for a key (nullptr if unknown);
  // readings of unknown beacons are dropped, so retiring a beacon never
  // breaks a store's calibration. Fails when no sample is left.
  template <typename BeaconLookup>
  static Result<FingerprintClassifier> build(const StoreFingerprints& fingerprints, BeaconLookup beacon_of,
                                             FingerprintSettings settings = {});

  // Column of `key`, or -1 when the samples never mention it.
  int column(const BeaconKey& key) const;
  std::size_t columns() const { return beacons_.size(); }
  // A scan where nothing is heard: each column's floor level; fill in the
  // heard columns, then rank().
  std::vector<double> empty_scan() const { return not_heard_; }

  // Every calibrated zone with its distance to `scan` (one level per
  // column), nearest first; ties keep the order zones first appear in.
  std::vector<ZoneDistance> rank(std::span<const double> scan) const;

  const FingerprintSettings& settings() const { return settings_; }
  std::size_t samples() const { return labels_.size(); }

 private:
  FingerprintClassifier() = default;
  static Result<FingerprintClassifier> build_from(const StoreFingerprints& fingerprints,
                                                  const std::vector<const Beacon*>& beacons,
                                                  FingerprintSettings settings);

  FingerprintSettings settings_;
  std::vector<BeaconKey> beacons_;   // columns
  std::vector<double> not_heard_;    // per column, normalised like the readings
  std::vector<std::string> zones_;   // distinct labels, first-seen order
  std::vector<std::size_t> labels_;  // per sample, index into zones_
  std::vector<double> levels_;       // samples x columns, row-major
};

template <typename BeaconLookup>
Result<FingerprintClassifier> FingerprintClassifier::build(const StoreFingerprints& fingerprints,
                                                           BeaconLookup beacon_of, FingerprintSettings settings) {
  // One lookup per reading, resolved here so the rest needs no template.
  std::vector<const Beacon*> beacons;
  for (const FingerprintSample& sample : fingerprints.samples) {
    for (const FingerprintReading& reading : sample.readings) beacons.push_back(beacon_of(reading.beacon));
  }
  return build_from(fingerprints, beacons, settings);
}

}  // namespace tastesync::domain
