#include "application/use_cases/calibration_validation.h"

#include <algorithm>

#include "application/use_cases/admin_validation.h"

namespace tastesync::application {

using domain::ErrorCode;
using domain::fail;

domain::Result<void> validate_calibration_zone(const domain::FloorPlan& plan, const std::string& store_id,
                                               const std::string& zone_id, const std::string& field) {
  if (auto ok = validate_id(zone_id, field); !ok) return ok;
  if (plan.find_zone(store_id, zone_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + store_id + "' has no zone '" + zone_id + "'", field);
  }
  return {};
}

domain::Result<std::vector<domain::FingerprintReading>> validate_calibration_readings(
    const domain::FloorPlan& plan, const std::string& store_id, const std::vector<FingerprintReadingRequest>& readings,
    const std::string& at) {
  std::vector<domain::FingerprintReading> heard;
  heard.reserve(readings.size());
  for (std::size_t j = 0; j < readings.size(); ++j) {
    const FingerprintReadingRequest& reading = readings[j];
    const std::string field = at + ".readings[" + std::to_string(j) + "]";
    auto beacon = validate_beacon(reading.uuid, reading.major, reading.minor);
    if (!beacon) {
      return fail(ErrorCode::kInvalidArgument, beacon.error().message, field + "." + beacon.error().field);
    }
    if (reading.rssi == domain::kNotHeardRssi) continue;
    if (reading.rssi < -127 || reading.rssi > -1) {
      return fail(ErrorCode::kInvalidArgument,
                  "rssi must be within -127..-1 dBm, or -200 for not heard (got " + std::to_string(reading.rssi) + ")",
                  field + ".rssi");
    }
    const domain::Beacon* registered = plan.find_beacon(beacon->key);
    if (registered == nullptr || registered->store_id != store_id) {
      return fail(ErrorCode::kNotFound,
                  "beacon " + beacon->key.to_string() + " is not registered in store '" + store_id + "'", field);
    }
    const bool twice = std::any_of(heard.begin(), heard.end(),
                                   [&](const domain::FingerprintReading& r) { return r.beacon == beacon->key; });
    if (twice) {
      return fail(ErrorCode::kInvalidArgument, "beacon " + beacon->key.to_string() + " read twice in one sample",
                  field);
    }
    heard.push_back({beacon->key, static_cast<int>(reading.rssi)});
  }
  if (heard.empty()) {
    return fail(ErrorCode::kInvalidArgument, "no beacon heard; a sample needs at least one reading", at + ".readings");
  }
  return heard;
}

}  // namespace tastesync::application
