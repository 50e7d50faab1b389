#pragma once

// Checks of calibration samples against a store's floor plan, shared by
// ImportFingerprints (errors named samples[i]...) and RecordCalibration
// (scans[i]...), so both refuse the same inputs with the same messages.

#include <string>
#include <vector>

#include "application/use_cases/calibration_requests.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/floor_plan.h"
#include "domain/error.h"

namespace tastesync::application {

// `zone_id` is a well-formed id of a zone of the store; errors name `field`.
domain::Result<void> validate_calibration_zone(const domain::FloorPlan& plan, const std::string& store_id,
                                               const std::string& zone_id, const std::string& field);

// One scan's readings: each beacon well-formed and registered in the store,
// RSSI -127..-1 (or -200, "not heard", dropped), no beacon twice, at least
// one heard. Errors name `at`.readings[j] and the field.
domain::Result<std::vector<domain::FingerprintReading>> validate_calibration_readings(
    const domain::FloorPlan& plan, const std::string& store_id, const std::vector<FingerprintReadingRequest>& readings,
    const std::string& at);

}  // namespace tastesync::application
