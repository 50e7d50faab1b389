#include "infrastructure/grpc/identification_service.h"

#include "infrastructure/grpc/unary_call.h"

namespace tastesync::infrastructure::grpc_adapter {

grpc::ServerUnaryReactor* IdentificationGrpcService::Identify(grpc::CallbackServerContext* context,
                                                              const customer_id::v1::IdentifyRequest* request,
                                                              customer_id::v1::IdentifyResponse* response) {
  return serve(rpcs::kIdentify, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* BaselineGrpcService::Noop(grpc::CallbackServerContext* context,
                                                    const customer_id::v1::NoopRequest* request,
                                                    customer_id::v1::NoopResponse* response) {
  return serve(rpcs::kNoop, uses_, gate_, context, request, response);
}

}  // namespace tastesync::infrastructure::grpc_adapter
