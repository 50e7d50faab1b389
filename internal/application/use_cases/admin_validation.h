#pragma once

// Field checks for the admin API. Every failure is kInvalidArgument naming
// the field, so gRPC and HTTPS/JSON reject the same inputs the same way.
// Free text (names, labels) is accepted verbatim, quotes and all: storage
// adapters bind it as parameters, never splice it into SQL. Ids are held to
// a narrow alphabet because they also travel in QR payloads, logs, Kafka keys
// and file names.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/entities/beacon.h"
#include "domain/error.h"

namespace tastesync::application {

inline constexpr std::size_t kMaxIdChars = 64;
inline constexpr std::size_t kMaxNameChars = 100;  // code points, not bytes
inline constexpr std::size_t kMaxEmailChars = 254;
inline constexpr std::int64_t kMaxVisitsLimit = 100;
inline constexpr std::size_t kDefaultVisitsLimit = 20;  // when the request gives none
inline constexpr double kMaxCalibrationOffsetDb = 30.0;
// A thorough calibration walk is a few thousand scans; the cap keeps one
// request (and the snapshot every instance builds from it) bounded.
inline constexpr std::size_t kMaxFingerprintSamples = 50000;

// 1..64 of [A-Za-z0-9_-].
domain::Result<void> validate_id(std::string_view value, const std::string& field);
// 1..100 code points of well-formed UTF-8 without control characters.
domain::Result<void> validate_name(std::string_view value, const std::string& field);
// E.164: '+', then 8..15 digits, the first not 0.
domain::Result<void> validate_phone(std::string_view value, const std::string& field);
// local@domain.tld, at most 254 characters.
domain::Result<void> validate_email(std::string_view value, const std::string& field);

struct CheckedBeacon {
  domain::BeaconKey key;
  std::optional<int> tx_power;
};

// UUID, Major, Minor and tx power by the same rules (and messages) as
// Identify's sightings; errors name the fields "uuid", "major", "minor" and
// "tx_power".
domain::Result<CheckedBeacon> validate_beacon(const std::string& uuid, std::int64_t major, std::int64_t minor,
                                              std::optional<std::int64_t> tx_power = std::nullopt);
domain::Result<void> validate_calibration_offset(double offset_db);
// A store's location: both coordinates or neither, latitude -90..90,
// longitude -180..180.
domain::Result<void> validate_location(std::optional<double> latitude, std::optional<double> longitude);
domain::Result<std::size_t> validate_visits_limit(std::int64_t limit);

}  // namespace tastesync::application
