#pragma once

#include "customer_id.grpc.pb.h"
#include "infrastructure/grpc/rpc_table.h"

namespace tastesync::infrastructure::grpc_adapter {

// CustomerIdentification over gRPC: each method is its row of rpc_table.h,
// served the one way (unary_call.h).
class IdentificationGrpcService final : public customer_id::v1::CustomerIdentification::CallbackService {
 public:
  // What `uses` and `gate` point to outlives the service.
  IdentificationGrpcService(const RpcUseCases& uses, const RpcGate& gate) : uses_(uses), gate_(gate) {}

  grpc::ServerUnaryReactor* Identify(grpc::CallbackServerContext* context,
                                     const customer_id::v1::IdentifyRequest* request,
                                     customer_id::v1::IdentifyResponse* response) override;

 private:
  RpcUseCases uses_;
  RpcGate gate_;
};

// The do-nothing handler `make bench` measures Identify against. It checks the
// token like every endpoint, so the comparison isolates the identification
// work.
class BaselineGrpcService final : public customer_id::v1::Baseline::CallbackService {
 public:
  BaselineGrpcService(const RpcUseCases& uses, const RpcGate& gate) : uses_(uses), gate_(gate) {}

  grpc::ServerUnaryReactor* Noop(grpc::CallbackServerContext* context, const customer_id::v1::NoopRequest* request,
                                 customer_id::v1::NoopResponse* response) override;

 private:
  RpcUseCases uses_;
  RpcGate gate_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
