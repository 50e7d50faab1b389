#pragma once

#include "application/ports/customer_credentials_port.h"
#include "application/ports/rate_limiter_port.h"
#include "application/ports/store_scanner_port.h"
#include "application/ports/token_verifier_port.h"
#include "infrastructure/grpc/worker_pool.h"
#include "store_scanner.grpc.pb.h"

namespace tastesync::infrastructure::grpc_adapter {

// StoreScanner over gRPC: store scanners report phones they hear and codes
// they read. Requests block on PostgreSQL/Redis, so they run on `workers`
// when given.
class StoreScannerGrpcService final : public customer_id::v1::StoreScanner::CallbackService {
 public:
  StoreScannerGrpcService(application::StoreScannerPort& scanner, const application::TokenVerifierPort& tokens,
                          WorkerPool* workers = nullptr, application::RateLimiterPort* limits = nullptr);

  grpc::ServerUnaryReactor* ReportPhoneBeacon(grpc::CallbackServerContext* context,
                                              const customer_id::v1::ReportPhoneBeaconRequest* request,
                                              customer_id::v1::IdentifyResponse* response) override;
  grpc::ServerUnaryReactor* ScanCustomerCode(grpc::CallbackServerContext* context,
                                             const customer_id::v1::ScanCustomerCodeRequest* request,
                                             customer_id::v1::IdentifyResponse* response) override;

 private:
  application::StoreScannerPort& scanner_;
  const application::TokenVerifierPort& tokens_;
  WorkerPool* workers_;
  application::RateLimiterPort* limits_;
};

// CustomerCredentials over gRPC: the customer's app registers its phone and
// fetches entrance codes.
class CustomerCredentialsGrpcService final : public customer_id::v1::CustomerCredentials::CallbackService {
 public:
  CustomerCredentialsGrpcService(application::CustomerCredentialsPort& credentials,
                                 const application::TokenVerifierPort& tokens, WorkerPool* workers = nullptr,
                                 application::RateLimiterPort* limits = nullptr);

  grpc::ServerUnaryReactor* RegisterPhone(grpc::CallbackServerContext* context,
                                          const customer_id::v1::RegisterPhoneRequest* request,
                                          customer_id::v1::RegisterPhoneResponse* response) override;
  grpc::ServerUnaryReactor* IssueEntranceCode(grpc::CallbackServerContext* context,
                                              const customer_id::v1::IssueEntranceCodeRequest* request,
                                              customer_id::v1::IssueEntranceCodeResponse* response) override;

 private:
  application::CustomerCredentialsPort& credentials_;
  const application::TokenVerifierPort& tokens_;
  WorkerPool* workers_;
  application::RateLimiterPort* limits_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
