#pragma once

// How well a store's calibration tells its zones apart: each sample is left
// out in turn, the zone model is learned from the others, and the sample is
// placed by the emission model alone (one scan, no prior). Per zone: how many
// of its samples land there, and where the others go most; zones that take a
// large share of each other's samples are named as confusable, so staff can
// record more there or the owner can merge them.
//
// Cost: one model per sample, O(samples^2 x beacons): fine for the few
// thousand samples of a restaurant; a larger import would want the tallies
// updated incrementally instead.

#include <string>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/zone.h"
#include "domain/error.h"
#include "domain/services/zone_model.h"

namespace tastesync::domain {

struct ZoneCalibrationQuality {
  std::string zone_id;
  std::size_t samples = 0;         // held-out samples of the zone (scans that heard something)
  std::size_t placed_right = 0;    // ... placed back in the zone
  std::string most_confused_with;  // the zone most of the others went to; empty if none
  std::size_t confused = 0;        // ... how many went there
};

struct ConfusablePair {
  std::string a;
  std::string b;
  double share = 0.0;  // of a's and b's samples placed in the other one
};

struct CalibrationReport {
  std::vector<ZoneCalibrationQuality> zones;  // calibrated zones, in the store's order
  std::vector<ConfusablePair> confusable;     // most confused first
};

// `confusable_share`: a pair is named when at least this share of the two
// zones' samples were placed in the other one.
Result<CalibrationReport> leave_one_out_report(const Store& store, const std::vector<const Beacon*>& beacons,
                                               const StoreFingerprints& fingerprints,
                                               const ZoneModelSettings& settings = {}, double confusable_share = 0.25);

}  // namespace tastesync::domain
