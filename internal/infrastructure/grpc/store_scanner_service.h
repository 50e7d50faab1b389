#pragma once

#include "infrastructure/grpc/rpc_table.h"
#include "store_scanner.grpc.pb.h"

namespace tastesync::infrastructure::grpc_adapter {

// StoreScanner over gRPC: store scanners report phones they hear and codes
// they read. Each method is its row of rpc_table.h, served the one way
// (unary_call.h).
class StoreScannerGrpcService final : public customer_id::v1::StoreScanner::CallbackService {
 public:
  // What `uses` and `gate` point to outlives the service.
  StoreScannerGrpcService(const RpcUseCases& uses, const RpcGate& gate) : uses_(uses), gate_(gate) {}

  grpc::ServerUnaryReactor* ReportPhoneBeacon(grpc::CallbackServerContext* context,
                                              const customer_id::v1::ReportPhoneBeaconRequest* request,
                                              customer_id::v1::IdentifyResponse* response) override;
  grpc::ServerUnaryReactor* ScanCustomerCode(grpc::CallbackServerContext* context,
                                             const customer_id::v1::ScanCustomerCodeRequest* request,
                                             customer_id::v1::IdentifyResponse* response) override;

 private:
  RpcUseCases uses_;
  RpcGate gate_;
};

// CustomerCredentials over gRPC: the customer's app registers its phone and
// fetches entrance codes.
class CustomerCredentialsGrpcService final : public customer_id::v1::CustomerCredentials::CallbackService {
 public:
  // What `uses` and `gate` point to outlives the service.
  CustomerCredentialsGrpcService(const RpcUseCases& uses, const RpcGate& gate) : uses_(uses), gate_(gate) {}

  grpc::ServerUnaryReactor* RegisterPhone(grpc::CallbackServerContext* context,
                                          const customer_id::v1::RegisterPhoneRequest* request,
                                          customer_id::v1::RegisterPhoneResponse* response) override;
  grpc::ServerUnaryReactor* IssueEntranceCode(grpc::CallbackServerContext* context,
                                              const customer_id::v1::IssueEntranceCodeRequest* request,
                                              customer_id::v1::IssueEntranceCodeResponse* response) override;

 private:
  RpcUseCases uses_;
  RpcGate gate_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
