#pragma once

// The one path of a unary call once a transport holds its message, the same
// for gRPC (unary_call.h) and HTTPS/JSON (http/json_api.cpp): admit the
// caller, decode what the transport still has to, run the row's use-case
// call (rpc_table.h), log the outcome.

#include <optional>
#include <string_view>

#include "application/ports/principal.h"
#include "domain/error.h"
#include "infrastructure/grpc/authenticate.h"
#include "infrastructure/grpc/rpc_table.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::grpc_adapter {

// One line per refused call (`rpc.rejected`: the RPC, status, field, reason,
// and who called when known) and, for audited RPCs, per success (`rpc.done`).
// Never the request itself: messages may carry personal data.
void log_outcome(std::string_view rpc, bool audited, const application::Principal* caller,
                 const domain::Result<void>& result, const CallScope& scope);

// The request id (bounded, so a hostile one cannot bloat the logs) that
// tags every line a call writes, on the thread that writes them.
template <typename Request>
void tag_lines(std::optional<log::RequestScope>& tagged, const Request& request) {
  if constexpr (requires { request.request_id(); }) tagged.emplace(request.request_id().substr(0, 128));
}

// Admits the caller by its `authorization` value (token, the row's roles, the
// caller's rate limits), then `decode()` (the HTTPS gateway's body and
// parameters, after admission so a stranger learns nothing of the fields;
// gRPC's message is decoded already), then the row's call. `request` is what
// `decode` fills.
template <typename Request, typename Response, typename Decode>
domain::Result<void> answer(const Rpc<Request, Response>& rpc, const RpcUseCases& uses, const RpcGate& gate,
                            std::optional<std::string_view> authorization, const Request& request, Response& response,
                            CallScope scope, Decode&& decode) {
  scope.started = std::chrono::steady_clock::now();
  auto caller = admit_caller(authorization, gate.tokens, rpc.rate_limited() ? gate.limits : nullptr, rpc.method);
  domain::Result<void> result = caller ? decode() : domain::Result<void>(std::unexpected(caller.error()));
  std::optional<log::RequestScope> tagged;
  tag_lines(tagged, request);
  if (result) result = rpc.call(uses, *caller, request, response, scope);
  log_outcome(rpc.method, rpc.audited(), caller ? &*caller : nullptr, result, scope);
  return result;
}

// The row's call for a caller admitted already (after its `start` left the
// call to it), logged as answer() logs.
template <typename Request, typename Response>
domain::Result<void> answer_admitted(const Rpc<Request, Response>& rpc, const RpcUseCases& uses,
                                     const application::Principal& caller, const Request& request, Response& response,
                                     const CallScope& scope) {
  std::optional<log::RequestScope> tagged;
  tag_lines(tagged, request);
  domain::Result<void> result = rpc.call(uses, caller, request, response, scope);
  log_outcome(rpc.method, rpc.audited(), &caller, result, scope);
  return result;
}

}  // namespace tastesync::infrastructure::grpc_adapter
