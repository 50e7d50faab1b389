#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/error.h"

namespace tastesync::application {

// A customer's phone registered to advertise a rotating iBeacon id. The
// secret never leaves the service except in the answer to the registration.
struct CustomerDevice {
  std::string customer_id;
  std::string device_id;
  std::string secret;    // raw bytes, kDeviceSecretBytes long
  std::int64_t seq = 0;  // registration order, for incremental loading
};

inline constexpr std::size_t kDeviceSecretBytes = 32;

// Phones and their secrets (sealed at rest by the adapter).
class CustomerDeviceStorePort {
 public:
  virtual ~CustomerDeviceStorePort() = default;
  // Generates the device id and a random secret. kFailedPrecondition when
  // the customer already has the maximum number of phones.
  virtual domain::Result<CustomerDevice> add(const std::string& customer_id) = 0;
  // Devices registered after `seq` (by any instance), oldest first, at most `limit`.
  virtual domain::Result<std::vector<CustomerDevice>> load_after(std::int64_t seq, std::size_t limit) const = 0;
};

}  // namespace tastesync::application
