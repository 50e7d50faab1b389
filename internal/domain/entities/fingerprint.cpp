#include "domain/entities/fingerprint.h"

#include <algorithm>

namespace tastesync::domain {

StoreFingerprints combine_calibration(const StoreFingerprints& existing, const StoreFingerprints& added,
                                      CalibrationMode mode) {
  StoreFingerprints combined{added.store_id, {}};
  if (mode != CalibrationMode::kReplaceStore) {
    combined.samples.reserve(existing.samples.size() + added.samples.size());
    for (const FingerprintSample& sample : existing.samples) {
      const bool replaced = mode == CalibrationMode::kReplaceZones &&
                            std::any_of(added.samples.begin(), added.samples.end(),
                                        [&sample](const FingerprintSample& a) { return a.zone_id == sample.zone_id; });
      if (!replaced) combined.samples.push_back(sample);
    }
  }
  combined.samples.insert(combined.samples.end(), added.samples.begin(), added.samples.end());
  return combined;
}

}  // namespace tastesync::domain
