#pragma once

// Fingerprint calibration as the transports hand it over (ImportFingerprints,
// RecordCalibration, GetCalibrationReport) and what the use case answers.
// Integers are wide so out-of-range values reach validation and get a precise
// error instead of being truncated by an adapter.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities/fingerprint.h"
#include "domain/services/calibration_report.h"

namespace tastesync::application {

struct FingerprintReadingRequest {
  std::string uuid;
  std::int64_t major = 0;
  std::int64_t minor = 0;
  std::int64_t rssi = 0;  // -127..-1, or -200 (domain::kNotHeardRssi) for "not heard"
};

struct FingerprintSampleRequest {
  std::string zone_id;
  std::vector<FingerprintReadingRequest> readings;
};

struct ImportFingerprintsRequest {
  std::string store_id;
  std::vector<FingerprintSampleRequest> samples;
  // nullopt: the client left it unspecified (the whole store is replaced).
  std::optional<domain::CalibrationMode> mode = std::nullopt;
  bool validate_only = false;  // check everything, store nothing
};

// Learn mode: scans the app heard standing in one zone.
struct RecordCalibrationRequest {
  std::string store_id;
  std::string zone_id;
  std::vector<std::vector<FingerprintReadingRequest>> scans;
  // nullopt: appended. kReplaceStore is refused (a recording is one zone's).
  std::optional<domain::CalibrationMode> mode = std::nullopt;
  bool validate_only = false;
};

// A store's calibration and how well it tells its zones apart.
struct StoreCalibration {
  std::string store_id;
  std::size_t samples = 0;
  std::vector<std::string> labels;  // per zone of the report, staff's name for it
  domain::CalibrationReport report;
};

// What an import or a recording did.
struct CalibrationUpdate {
  std::size_t samples = 0;       // stored by this request (or that would be: validate_only)
  std::size_t zones = 0;         // distinct zones they cover
  std::size_t zone_samples = 0;  // a recording's zone: the samples it has now
  // The store after the request; nullopt for validate_only.
  std::optional<StoreCalibration> calibration = std::nullopt;
};

}  // namespace tastesync::application
