#pragma once

#include "application/ports/identify_customer_port.h"
#include "application/ports/metrics_port.h"
#include "application/ports/store_scanner_port.h"

namespace tastesync::application {

// Counts identifications by signal and outcome, and zone transitions, around
// the real use case, so gRPC and HTTPS/JSON callers are counted alike and the
// use case itself stays free of reporting.
// How one answer is counted: identified (or replayed), and its transition.
void count_answer(MetricsPort& metrics, const char* signal, const IdentifyResponse& answer);

class MeteredIdentifyCustomer final : public IdentifyCustomerPort {
 public:
  // Both outlive this.
  MeteredIdentifyCustomer(IdentifyCustomerPort& inner, MetricsPort& metrics) : inner_(inner), metrics_(metrics) {}

  domain::Result<IdentifyResponse> identify(const Principal& caller, const IdentifyRequest& request) override;
  // Counts answers only: "nothing" is counted by the identify() that follows.
  void identify_without_waiting(const Principal& caller, const IdentifyRequest& request, LaterAnswer done) override;

 private:
  IdentifyCustomerPort& inner_;
  MetricsPort& metrics_;
};

// The same for the store scanners' placements (signals phone_beacon and
// entrance_code).
class MeteredStoreScanner final : public StoreScannerPort {
 public:
  // Both outlive this.
  MeteredStoreScanner(StoreScannerPort& inner, MetricsPort& metrics) : inner_(inner), metrics_(metrics) {}

  domain::Result<IdentifyResponse> report_phone_beacon(const Principal& caller,
                                                       const PhoneBeaconReport& report) override;
  domain::Result<IdentifyResponse> scan_customer_code(const Principal& caller, const CustomerCodeScan& scan) override;

 private:
  domain::Result<IdentifyResponse> counted(const char* signal, domain::Result<IdentifyResponse> result);

  StoreScannerPort& inner_;
  MetricsPort& metrics_;
};

}  // namespace tastesync::application
