#pragma once

// The iBeacon id a customer's phone advertises, rotating like Eddystone-EID:
//
//   counter = floor(unix seconds / rotation period)
//   mac     = HMAC-SHA256(device secret, counter as 8 bytes big-endian)
//   Major   = mac[0] << 8 | mac[1],  Minor = mac[2] << 8 | mac[3]
//
// Without the secret the next id cannot be predicted nor an old one linked
// to the customer; a recorded id stops matching once its window has passed.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/entities/sighting.h"

namespace tastesync::infrastructure {

struct RotatingBeaconId {
  std::uint16_t major = 0;
  std::uint16_t minor = 0;

  std::uint32_t packed() const { return (std::uint32_t{major} << 16) | minor; }
  bool operator==(const RotatingBeaconId&) const = default;
};

// floor(unix seconds / period); period must be positive.
std::int64_t rotation_counter(domain::Timestamp at, std::chrono::seconds period);

// nullopt only if OpenSSL fails.
std::optional<RotatingBeaconId> rotating_beacon_id(std::string_view secret, std::int64_t counter);

}  // namespace tastesync::infrastructure
