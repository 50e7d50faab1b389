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

// A row with a `start`: admitted and begun here, on gRPC's thread; finished
// where the start's outcome arrives, or, when the row's call must run after
// all, on the worker pool like any blocking call.
template <typename Request, typename Response>
void start_call(const Rpc<Request, Response>& rpc, const RpcUseCases& uses, const RpcGate& gate,
                grpc::CallbackServerContext* context, const Request* request, Response* response,
                grpc::ServerUnaryReactor* reactor, CallScope scope) {
  scope.started = std::chrono::steady_clock::now();
  auto caller =
      admit_caller(authorization_of(*context), gate.tokens, rpc.rate_limited() ? gate.limits : nullptr, rpc.method);
  if (!caller) {
    std::optional<log::RequestScope> tagged;
    tag_lines(tagged, *request);
    log_outcome(rpc.method, rpc.audited(), nullptr, domain::Result<void>(std::unexpected(caller.error())), scope);
    reactor->Finish(to_grpc_status(caller.error()));
    return;
  }
  std::optional<log::RequestScope> tagged;
  tag_lines(tagged, *request);
  rpc.start(uses, *caller, *request, *response, scope,
            [&rpc, &uses, &gate, context, request, response, reactor, scope,
             who = *caller](std::optional<domain::Result<void>> outcome) {
              if (outcome) {
                std::optional<log::RequestScope> tagged_here;
                tag_lines(tagged_here, *request);
                log_outcome(rpc.method, rpc.audited(), &who, *outcome, scope);
                reactor->Finish(*outcome ? grpc::Status::OK : to_grpc_status(outcome->error()));
                return;
              }
              run_pooled(gate.workers, context, reactor, [&rpc, &uses, request, response, reactor, scope, who] {
                const auto result = answer_admitted(rpc, uses, who, *request, *response, scope);
                reactor->Finish(result ? grpc::Status::OK : to_grpc_status(result.error()));
              });
            });
}

template <typename Request, typename Response>
grpc::ServerUnaryReactor* serve(const Rpc<Request, Response>& rpc, const RpcUseCases& uses, const RpcGate& gate,
                                grpc::CallbackServerContext* context, const Request* request, Response* response) {
  auto* reactor = context->DefaultReactor();
  const CallScope scope{.arrived = std::chrono::steady_clock::now(), .started = {}, .deadline = deadline_of(*context)};
  if (rpc.start != nullptr) {
    start_call(rpc, uses, gate, context, request, response, reactor, scope);
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
