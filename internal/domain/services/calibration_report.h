#pragma once

// How well a store's calibration tells its zones apart: each sample is left
// out, with the block of its zone's scans recorded around it (CalibrationBlocks,
// zone_recordings.h: a phone held still records nearly the same scan twice in
// a row, and a scan predicted by its own repeats would make every zone look
// distinct), and placed by the zone filter's emission model alone (one scan,
// no prior), learned without that block. It is the model the filter weighs
// reports with: for a calibrated zone the mixture of the per-beacon model and
// the kernel density over the zone's recordings, so the zones named are the
// ones the filter confuses. Per zone: how many samples staff recorded there,
// where each was placed (a row of the confusion table), and where the
// misplaced ones went most; zones that take a large share of each other's
// samples are named as confusable, so staff can record more there or the
// owner can merge them.
//
// Leaving a block out changes only its own zone's tallies and recordings:
// that zone's emissions are re-learned from its tallies minus the block (once
// per block) and its kernel skips the block's recordings, the other zones'
// are the full model's. The store-wide figures (pooled spread, the faintest
// level heard, the kernel's bandwidth and mixture weight) are learned once
// from every sample. So the report costs O(samples x zones x kept scans x
// beacons) and is cheap enough to run after every import or recording.

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
  std::size_t recorded = 0;        // samples staff recorded in the zone
  std::size_t samples = 0;         // ... held out (scans that heard one of the store's beacons)
  std::size_t placed_right = 0;    // ... placed back in the zone
  std::string most_confused_with;  // the zone most of the others went to; empty if none
  std::size_t confused = 0;        // ... how many went there
  // Where its held-out samples were placed: one count per zone of the
  // report, in the report's order (a row of the confusion table).
  std::vector<std::size_t> placed;
};

struct ConfusablePair {
  std::string a;
  std::string b;
  double share = 0.0;  // of a's and b's samples placed in the other one
};

struct CalibrationReport {
  std::vector<ZoneCalibrationQuality> zones;  // every zone of the store, in the store's order
  std::vector<ConfusablePair> confusable;     // most confused first
};

// `confusable_share`: a pair is named when at least this share of the two
// zones' samples were placed in the other one. Samples of zones the store
// lacks are left out.
Result<CalibrationReport> cross_validated_report(const Store& store, const std::vector<const Beacon*>& beacons,
                                                 const StoreFingerprints& fingerprints,
                                                 const ZoneModelSettings& settings = {},
                                                 double confusable_share = 0.25);

}  // namespace tastesync::domain
