#pragma once

#include <chrono>

#include "application/ports/identify_customer_port.h"
#include "application/ports/rate_limiter_port.h"
#include "application/ports/token_verifier_port.h"
#include "customer_id.grpc.pb.h"
#include "infrastructure/grpc/worker_pool.h"

namespace tastesync::infrastructure::grpc_adapter {

// CustomerIdentification over gRPC: authenticates the caller from the
// `authorization: Bearer` metadata and hands the request to the use case.
class IdentificationGrpcService final : public customer_id::v1::CustomerIdentification::CallbackService {
 public:
  // With `workers`, requests run there (they block on PostgreSQL/Redis);
  // without, on gRPC's callback thread.
  // `limits` (optional): the callers' rate limits.
  IdentificationGrpcService(application::IdentifyCustomerPort& identify, const application::TokenVerifierPort& tokens,
                            WorkerPool* workers = nullptr, application::RateLimiterPort* limits = nullptr);

  grpc::ServerUnaryReactor* Identify(grpc::CallbackServerContext* context,
                                     const customer_id::v1::IdentifyRequest* request,
                                     customer_id::v1::IdentifyResponse* response) override;

 private:
  // `arrived`: when the call reached this service, before it waited for a
  // worker (its log line's `ms` counts from there; `wait_ms` is the wait).
  void handle(grpc::CallbackServerContext* context, const customer_id::v1::IdentifyRequest* request,
              customer_id::v1::IdentifyResponse* response, grpc::ServerUnaryReactor* reactor,
              std::chrono::steady_clock::time_point arrived);

  application::IdentifyCustomerPort& identify_;
  const application::TokenVerifierPort& tokens_;
  WorkerPool* workers_;
  application::RateLimiterPort* limits_;
};

// The do-nothing handler `make bench` measures Identify against. It checks the
// token like every endpoint, so the comparison isolates the identification
// work.
class BaselineGrpcService final : public customer_id::v1::Baseline::CallbackService {
 public:
  explicit BaselineGrpcService(const application::TokenVerifierPort& tokens);

  grpc::ServerUnaryReactor* Noop(grpc::CallbackServerContext* context, const customer_id::v1::NoopRequest* request,
                                 customer_id::v1::NoopResponse* response) override;

 private:
  const application::TokenVerifierPort& tokens_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
