#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "application/ports/identify_customer_port.h"
#include "application/ports/principal.h"
#include "domain/entities/sighting.h"
#include "domain/error.h"

namespace tastesync::application {

// A store scanner heard a customer's phone advertising its rotating id.
// Wide integer types, as in SightingReport, so out-of-range values reach
// validation.
struct PhoneBeaconReport {
  std::string request_id;
  std::string store_id;
  std::int64_t major = 0;
  std::int64_t minor = 0;
  std::int64_t rssi = 0;
  std::optional<domain::Timestamp> observed_at;
};

// A store scanner read the code the customer's app shows at the entrance.
struct CustomerCodeScan {
  std::string request_id;
  std::string store_id;
  std::string code;
};

// Driving port for store scanners (role scanner, bound to one store). Both
// place the customer at the scanner's store the way Identify does, and
// answer the same way.
class StoreScannerPort {
 public:
  virtual ~StoreScannerPort() = default;
  virtual domain::Result<IdentifyResponse> report_phone_beacon(const Principal& caller,
                                                               const PhoneBeaconReport& report) = 0;
  virtual domain::Result<IdentifyResponse> scan_customer_code(const Principal& caller,
                                                              const CustomerCodeScan& scan) = 0;
};

}  // namespace tastesync::application
