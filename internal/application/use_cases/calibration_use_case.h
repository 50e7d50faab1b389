#pragma once

#include "application/ports/beacon_registry_port.h"
#include "application/ports/principal.h"
#include "application/ports/registry_admin_port.h"
#include "application/use_cases/calibration_requests.h"
#include "domain/error.h"

namespace tastesync::application {

// A store's fingerprint calibration: imports (admins, in chunks of any
// number), learn-mode recordings (staff standing in one zone of their own
// store, or admins) and the cross-validated report that says how well the
// samples tell the zones apart. Each request checks who may call it, then
// every sample, and only then writes, all or nothing; the answer carries the
// report of the store as it now is.
class CalibrationUseCase final {
 public:
  // Both ports outlive this object.
  CalibrationUseCase(RegistryAdminPort& registry_admin, const BeaconRegistryPort& registry);

  domain::Result<CalibrationUpdate> import_fingerprints(const Principal& caller,
                                                        const ImportFingerprintsRequest& request);
  domain::Result<CalibrationUpdate> record(const Principal& caller, const RecordCalibrationRequest& request);
  domain::Result<StoreCalibration> report(const Principal& caller, const std::string& store_id) const;

 private:
  // Writes checked samples onto the store's calibration and reports.
  domain::Result<CalibrationUpdate> write(const domain::FloorPlan& plan, const domain::StoreFingerprints& samples,
                                          domain::CalibrationMode mode, bool validate_only);

  RegistryAdminPort& registry_admin_;
  const BeaconRegistryPort& registry_;
};

}  // namespace tastesync::application
