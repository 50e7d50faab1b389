#pragma once

// An iBeacon is identified by (UUID, Major, Minor). A store typically uses one
// UUID for all its beacons and tells them apart by Major/Minor.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace tastesync::domain {

class BeaconUuid {
 public:
  BeaconUuid() = default;
  explicit BeaconUuid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}

  // Accepts the canonical 8-4-4-4-12 hex form, either case.
  static Result<BeaconUuid> parse(std::string_view text);
  std::string to_string() const;  // lower-case canonical form
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }

  friend bool operator==(const BeaconUuid&, const BeaconUuid&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

struct BeaconKey {
  BeaconUuid uuid;
  std::uint16_t major = 0;
  std::uint16_t minor = 0;

  friend bool operator==(const BeaconKey&, const BeaconKey&) = default;
  std::string to_string() const;  // "uuid/major/minor", for logs and errors
};

struct BeaconKeyHash {
  std::size_t operator()(const BeaconKey& key) const noexcept;
};

// A registered beacon: where it hangs and how loud it is.
struct Beacon {
  BeaconKey key;
  std::string store_id;
  std::string zone_id;
  // Calibrated RSSI at 1 m (dBm); iBeacon's "measured power". Used when a
  // sighting does not carry its own tx power.
  int tx_power_1m = -59;
  // Per-installation correction (dB) added to every reading of this beacon,
  // e.g. for a beacon mounted under a metal table top.
  double calibration_offset_db = 0.0;
};

}  // namespace tastesync::domain
