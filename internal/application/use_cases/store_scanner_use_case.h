#pragma once

#include <chrono>
#include <string>

#include "application/ports/clock_port.h"
#include "application/ports/customer_code_port.h"
#include "application/ports/one_time_claim_port.h"
#include "application/ports/phone_beacon_port.h"
#include "application/ports/store_scanner_port.h"
#include "application/use_cases/identify_customer_use_case.h"
#include "application/use_cases/identify_request_validation.h"

namespace tastesync::application {

// The driven ports StoreScannerUseCase needs; all outlive it.
struct StoreScannerDependencies {
  IdentifyCustomerUseCase& identify;
  PhoneBeaconResolverPort& phones;
  const CustomerCodePort& codes;
  OneTimeClaimPort& claims;
  ClockPort& clock;
};

struct StoreScannerSettings {
  // How long a phone's rotating id lasts (phone_beacon.rotation_period_seconds).
  std::chrono::seconds rotation_period{120};
  // How long an entrance code is valid (customer_code.lifetime_seconds).
  std::chrono::seconds code_lifetime{60};
  IdentifyLimits limits;
};

// A store scanner at the entrance recognises a customer: by the rotating
// iBeacon id their phone advertises, or by the entrance code their app
// shows. Either names the customer; the scanner's store says where. The
// customer is then placed through IdentifyCustomerUseCase::place_customer,
// like any other signal: at the entrance when their visit starts, or kept
// where they are when already inside this store (a scanner by the door
// must not unseat the table next to it).
class StoreScannerUseCase final : public StoreScannerPort {
 public:
  StoreScannerUseCase(const StoreScannerDependencies& deps, const StoreScannerSettings& settings);

  domain::Result<IdentifyResponse> report_phone_beacon(const Principal& caller,
                                                       const PhoneBeaconReport& report) override;
  domain::Result<IdentifyResponse> scan_customer_code(const Principal& caller, const CustomerCodeScan& scan) override;

 private:
  domain::Result<void> authorize(const Principal& caller, const std::string& request_id,
                                 const std::string& store_id) const;

  StoreScannerDependencies deps_;
  StoreScannerSettings settings_;
};

}  // namespace tastesync::application
