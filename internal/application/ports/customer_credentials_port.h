#pragma once

#include <chrono>
#include <string>

#include "application/ports/customer_code_port.h"
#include "application/ports/principal.h"
#include "domain/error.h"

namespace tastesync::application {

// What a phone needs to advertise its rotating iBeacon id.
struct RegisteredPhone {
  std::string device_id;
  std::string secret;          // raw bytes; shown once, never again
  std::string advertise_uuid;  // the iBeacon proximity UUID every phone uses
  std::chrono::seconds rotation_period{0};
};

// Driving port for the customer's app (role customer; the customer is the
// token's subject): credentials a store scanner can later recognise.
class CustomerCredentialsPort {
 public:
  virtual ~CustomerCredentialsPort() = default;
  virtual domain::Result<RegisteredPhone> register_phone(const Principal& caller) = 0;
  virtual domain::Result<IssuedCustomerCode> issue_entrance_code(const Principal& caller) = 0;
};

}  // namespace tastesync::application
