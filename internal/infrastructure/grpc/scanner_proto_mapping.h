#pragma once

#include "application/ports/customer_credentials_port.h"
#include "application/ports/store_scanner_port.h"
#include "domain/error.h"
#include "store_scanner.pb.h"

namespace tastesync::infrastructure::grpc_adapter {

// proto <-> application types for the StoreScanner and CustomerCredentials
// services, shared by the gRPC services and the HTTPS/JSON gateway.
domain::Result<application::PhoneBeaconReport> from_proto(const customer_id::v1::ReportPhoneBeaconRequest& request);
application::CustomerCodeScan from_proto(const customer_id::v1::ScanCustomerCodeRequest& request);
void to_proto(const application::RegisteredPhone& phone, customer_id::v1::RegisterPhoneResponse& out);
void to_proto(const application::IssuedCustomerCode& code, customer_id::v1::IssueEntranceCodeResponse& out);

}  // namespace tastesync::infrastructure::grpc_adapter
