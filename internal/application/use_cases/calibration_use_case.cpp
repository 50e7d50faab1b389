#include "application/use_cases/calibration_use_case.h"

#include <algorithm>
#include <set>
#include <string>

#include "application/use_cases/admin_validation.h"
#include "application/use_cases/calibration_validation.h"
#include "application/use_cases/store_access.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::fail;

domain::Result<void> check_count(std::size_t count, const char* field) {
  if (count >= 1 && count <= kMaxFingerprintSamples) return {};
  return fail(ErrorCode::kInvalidArgument,
              std::string(field) + " must hold 1.." + std::to_string(kMaxFingerprintSamples) + " samples, not " +
                  std::to_string(count),
              field);
}

domain::Result<const domain::Store*> find_store(const domain::FloorPlan& plan, const std::string& store_id) {
  const domain::Store* store = plan.find_store(store_id);
  if (store == nullptr) return fail(ErrorCode::kNotFound, "store '" + store_id + "' does not exist", "store_id");
  return store;
}

// The report of the store as `plan` has it, learned with the plan's own zone
// model settings (what Identify places customers by).
domain::Result<StoreCalibration> calibration_of(const domain::FloorPlan& plan, const domain::Store& store) {
  StoreCalibration calibration{store.id, 0, {}, {}};
  const domain::StoreFingerprints* samples = plan.store_fingerprints(store.id);
  if (samples != nullptr) calibration.samples = samples->samples.size();
  for (const domain::Zone& zone : store.zones) calibration.labels.push_back(zone.label);
  if (store.zones.empty()) return calibration;  // nowhere to place anyone: nothing to report
  std::vector<const domain::Beacon*> beacons;
  for (const domain::Beacon& beacon : plan.store_beacons(store.id)) beacons.push_back(&beacon);
  const domain::StoreFingerprints none{store.id, {}};
  auto report =
      domain::cross_validated_report(store, beacons, samples != nullptr ? *samples : none, plan.zone_settings());
  if (!report) return std::unexpected(report.error());
  calibration.report = std::move(*report);
  return calibration;
}

// kReplaceStore unless the client chose.
domain::CalibrationMode import_mode(const ImportFingerprintsRequest& request) {
  return request.mode.value_or(domain::CalibrationMode::kReplaceStore);
}

}  // namespace

CalibrationUseCase::CalibrationUseCase(RegistryAdminPort& registry_admin, const BeaconRegistryPort& registry)
    : registry_admin_(registry_admin), registry_(registry) {}

domain::Result<CalibrationUpdate> CalibrationUseCase::import_fingerprints(const Principal& caller,
                                                                          const ImportFingerprintsRequest& request) {
  if (auto ok = require_admin(caller, "ImportFingerprints"); !ok) return std::unexpected(ok.error());
  if (auto ok = validate_id(request.store_id, "store_id"); !ok) return std::unexpected(ok.error());
  if (auto ok = check_count(request.samples.size(), "samples"); !ok) return std::unexpected(ok.error());
  const domain::FloorPlanPtr plan = registry_.current();
  if (auto store = find_store(*plan, request.store_id); !store) return std::unexpected(store.error());
  // Every sample is checked before anything is written; errors name the
  // sample by its index (samples[i]) so a CSV importer can point at the row.
  domain::StoreFingerprints samples{request.store_id, {}};
  samples.samples.reserve(request.samples.size());
  for (std::size_t i = 0; i < request.samples.size(); ++i) {
    const FingerprintSampleRequest& sample = request.samples[i];
    const std::string at = "samples[" + std::to_string(i) + "]";
    if (auto ok = validate_calibration_zone(*plan, request.store_id, sample.zone_id, at + ".zone_id"); !ok) {
      return std::unexpected(ok.error());
    }
    auto readings = validate_calibration_readings(*plan, request.store_id, sample.readings, at);
    if (!readings) return std::unexpected(readings.error());
    samples.samples.push_back(domain::FingerprintSample{sample.zone_id, std::move(*readings)});
  }
  return write(*plan, samples, import_mode(request), request.validate_only);
}

domain::Result<CalibrationUpdate> CalibrationUseCase::record(const Principal& caller,
                                                             const RecordCalibrationRequest& request) {
  if (auto ok = require_store_staff(caller, request.store_id, "RecordCalibration"); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = validate_id(request.store_id, "store_id"); !ok) return std::unexpected(ok.error());
  const domain::CalibrationMode mode = request.mode.value_or(domain::CalibrationMode::kAppend);
  if (mode == domain::CalibrationMode::kReplaceStore) {
    return fail(ErrorCode::kInvalidArgument,
                "a recording is one zone's: mode must be CALIBRATION_APPEND or CALIBRATION_REPLACE_ZONES", "mode");
  }
  if (auto ok = check_count(request.scans.size(), "scans"); !ok) return std::unexpected(ok.error());
  const domain::FloorPlanPtr plan = registry_.current();
  if (auto store = find_store(*plan, request.store_id); !store) return std::unexpected(store.error());
  if (auto ok = validate_calibration_zone(*plan, request.store_id, request.zone_id, "zone_id"); !ok) {
    return std::unexpected(ok.error());
  }
  domain::StoreFingerprints samples{request.store_id, {}};
  samples.samples.reserve(request.scans.size());
  for (std::size_t i = 0; i < request.scans.size(); ++i) {
    auto readings =
        validate_calibration_readings(*plan, request.store_id, request.scans[i], "scans[" + std::to_string(i) + "]");
    if (!readings) return std::unexpected(readings.error());
    samples.samples.push_back(domain::FingerprintSample{request.zone_id, std::move(*readings)});
  }
  auto update = write(*plan, samples, mode, request.validate_only);
  if (update && update->calibration) {
    const auto& zones = update->calibration->report.zones;
    const auto zone = std::find_if(zones.begin(), zones.end(), [&request](const domain::ZoneCalibrationQuality& z) {
      return z.zone_id == request.zone_id;
    });
    if (zone != zones.end()) update->zone_samples = zone->recorded;
  }
  return update;
}

domain::Result<StoreCalibration> CalibrationUseCase::report(const Principal& caller,
                                                            const std::string& store_id) const {
  if (auto ok = require_store_reader(caller, store_id, "GetCalibrationReport"); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = validate_id(store_id, "store_id"); !ok) return std::unexpected(ok.error());
  const domain::FloorPlanPtr plan = registry_.current();
  auto store = find_store(*plan, store_id);
  if (!store) return std::unexpected(store.error());
  return calibration_of(*plan, **store);
}

domain::Result<CalibrationUpdate> CalibrationUseCase::write(const domain::FloorPlan& plan,
                                                            const domain::StoreFingerprints& samples,
                                                            domain::CalibrationMode mode, bool validate_only) {
  const std::string store_id = samples.store_id;
  std::set<std::string> zones;
  for (const domain::FingerprintSample& sample : samples.samples) zones.insert(sample.zone_id);
  CalibrationUpdate update{samples.samples.size(), zones.size(), 0, std::nullopt};
  // The cap holds for the store as a whole, whatever the chunking.
  const domain::StoreFingerprints* existing = plan.store_fingerprints(store_id);
  const domain::StoreFingerprints none{store_id, {}};
  const std::size_t after =
      domain::combine_calibration(existing != nullptr ? *existing : none, samples, mode).samples.size();
  if (after > kMaxFingerprintSamples) {
    return fail(ErrorCode::kFailedPrecondition,
                "store '" + store_id + "' would hold " + std::to_string(after) + " calibration samples; at most " +
                    std::to_string(kMaxFingerprintSamples) + " (replace a zone's instead of appending)",
                "samples");
  }
  if (validate_only) return update;
  if (auto ok = registry_admin_.write_fingerprints(samples, mode); !ok) return std::unexpected(ok.error());
  // The adapter has reloaded this instance's plan: the report is of the
  // calibration just written.
  const domain::FloorPlanPtr now = registry_.current();
  auto store = find_store(*now, store_id);
  if (!store) return std::unexpected(store.error());
  auto calibration = calibration_of(*now, **store);
  if (!calibration) return std::unexpected(calibration.error());
  update.calibration = std::move(*calibration);
  return update;
}

}  // namespace tastesync::application
