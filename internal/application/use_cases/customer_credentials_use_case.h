#pragma once

#include <chrono>
#include <string>

#include "application/ports/clock_port.h"
#include "application/ports/customer_code_port.h"
#include "application/ports/customer_credentials_port.h"
#include "application/ports/customer_device_port.h"
#include "application/ports/phone_beacon_port.h"

namespace tastesync::application {

struct CustomerCredentialsDependencies {
  CustomerDeviceStorePort& devices;
  PhoneBeaconResolverPort& phones;
  const CustomerCodePort& codes;
  ClockPort& clock;
};

struct PhoneBeaconSettings {
  std::string advertise_uuid;  // phone_beacon.uuid
  std::chrono::seconds rotation_period{120};
};

// The customer's side of ways 3 and 4: a phone secret for the rotating
// iBeacon id, and short-lived entrance codes. Only the customer themselves
// (role customer, id = token subject) gets either.
class CustomerCredentialsUseCase final : public CustomerCredentialsPort {
 public:
  CustomerCredentialsUseCase(const CustomerCredentialsDependencies& deps, PhoneBeaconSettings settings);

  domain::Result<RegisteredPhone> register_phone(const Principal& caller) override;
  domain::Result<IssuedCustomerCode> issue_entrance_code(const Principal& caller) override;

 private:
  CustomerCredentialsDependencies deps_;
  PhoneBeaconSettings settings_;
};

}  // namespace tastesync::application
