#pragma once

#include "application/ports/identify_customer_port.h"
#include "application/ports/metrics_port.h"

namespace tastesync::application {

// Counts identifications by signal and outcome, and zone transitions, around
// the real use case, so gRPC and HTTPS/JSON callers are counted alike and the
// use case itself stays free of reporting.
class MeteredIdentifyCustomer final : public IdentifyCustomerPort {
 public:
  // Both outlive this.
  MeteredIdentifyCustomer(IdentifyCustomerPort& inner, MetricsPort& metrics) : inner_(inner), metrics_(metrics) {}

  domain::Result<IdentifyResponse> identify(const Principal& caller, const IdentifyRequest& request) override;

 private:
  IdentifyCustomerPort& inner_;
  MetricsPort& metrics_;
};

}  // namespace tastesync::application
