#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "application/ports/customer_device_port.h"
#include "domain/entities/sighting.h"
#include "domain/error.h"

namespace tastesync::application {

// A registered phone whose rotating id matches a reported Major/Minor.
struct PhoneBeaconMatch {
  std::string customer_id;
  std::string device_id;
  std::int64_t counter = 0;  // the rotation window the id belongs to
};

// Resolves a phone's rotating iBeacon id (Major/Minor) to the phones that
// advertise it around `now` (the current rotation window and its
// neighbours, for clock skew). Empty when none does: unknown, stale or
// replayed from an older window.
class PhoneBeaconResolverPort {
 public:
  virtual ~PhoneBeaconResolverPort() = default;
  virtual domain::Result<std::vector<PhoneBeaconMatch>> resolve(std::uint16_t major, std::uint16_t minor,
                                                                domain::Timestamp now) = 0;
  // A phone registered through this instance: resolvable at once, before
  // the next refresh from the device store.
  virtual void learn(const CustomerDevice& device) = 0;
};

}  // namespace tastesync::application
