#pragma once

// Fingerprint calibration: in a store with fewer beacons than tables, staff
// stand in each zone and record what a phone hears there. Each such scan is a
// labeled sample; the resolver then places a customer in the zone whose
// samples look most like the customer's smoothed readings
// (FingerprintClassifier).

#include <string>
#include <vector>

#include "domain/entities/beacon.h"

namespace tastesync::domain {

// RSSI values at or below this mean "not heard" (the convention of common
// recording apps and of public datasets, which write -200).
inline constexpr int kNotHeardRssi = -200;

struct FingerprintReading {
  BeaconKey beacon;
  int rssi = 0;  // dBm, -127..-1
};

// One scan recorded in one zone; beacons not heard are simply absent.
struct FingerprintSample {
  std::string zone_id;
  std::vector<FingerprintReading> readings;
};

// How new calibration samples combine with what a store has.
enum class CalibrationMode {
  kReplaceStore,  // the store's calibration becomes the new samples
  kReplaceZones,  // the zones of the new samples get them instead of theirs; other zones keep theirs
  kAppend,        // added to what the zones have
};

// A store's calibration data.
struct StoreFingerprints {
  std::string store_id;
  std::vector<FingerprintSample> samples;
};

// What a store's calibration becomes when `added` (the same store's) is
// written onto `existing` as `mode` says. Samples keep their order: the kept
// ones first, then the added ones.
StoreFingerprints combine_calibration(const StoreFingerprints& existing, const StoreFingerprints& added,
                                      CalibrationMode mode);

}  // namespace tastesync::domain
