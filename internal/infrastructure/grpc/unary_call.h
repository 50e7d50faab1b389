#pragma once

// How every gRPC method of ours is served: one line per method,
//   return serve(rpcs::kIdentify, uses_, gate_, context, request, response);
// the row (rpc_table.h) says what the call does, and rpc_call.h's answer()
// is the path it takes, the same as over HTTPS/JSON.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <optional>
#include <string_view>

#include "infrastructure/grpc/pooled_call.h"
#include "infrastructure/grpc/rpc_call.h"
#include "infrastructure/grpc/rpc_table.h"
#include "infrastructure/grpc/status_mapping.h"

namespace tastesync::infrastructure::grpc_adapter {

// The call's deadline, if the client set one.
std::optional<domain::Timestamp> deadline_of(const grpc::CallbackServerContext& context);

template <typename Request, typename Response>
grpc::ServerUnaryReactor* serve(const Rpc<Request, Response>& rpc, const RpcUseCases& uses, const RpcGate& gate,
                                grpc::CallbackServerContext* context, const Request* request, Response* response) {
  auto* reactor = context->DefaultReactor();
  const CallScope scope{.arrived = std::chrono::steady_clock::now(), .started = {}, .deadline = deadline_of(*context)};
  if (rpc.start != nullptr) {
    // Begun here, on gRPC's thread; finished where the outcome arrives, or
    // on the worker pool like any blocking call.
    begin_answer(
        rpc, uses, gate, authorization_of(*context), *request, *response, scope, [] { return domain::Result<void>(); },
        [reactor](const domain::Result<void>& result) {
          reactor->Finish(result ? grpc::Status::OK : to_grpc_status(result.error()));
        },
        [workers = gate.workers, context, reactor](std::function<void()> job) {
          run_pooled(workers, context, reactor, std::move(job));
        });
    return reactor;
  }
  // context, request and response stay valid until Finish; the row and the
  // use cases outlive the server.
  auto run = [&rpc, &uses, &gate, context, request, response, reactor, scope] {
    const auto result = answer(rpc, uses, gate, authorization_of(*context), *request, *response, scope,
                               [] { return domain::Result<void>(); });
    reactor->Finish(result ? grpc::Status::OK : to_grpc_status(result.error()));
  };
  if (rpc.blocks()) {
    run_pooled(gate.workers, context, reactor, std::move(run));
  } else {
    run();
  }
  return reactor;
}

}  // namespace tastesync::infrastructure::grpc_adapter
