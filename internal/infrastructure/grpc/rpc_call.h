#pragma once

// The one path of a unary call once a transport holds its message, the same
// for gRPC (unary_call.h) and HTTPS/JSON (http/json_api.cpp): admit the
// caller, decode what the transport still has to, run the row's use-case
// call (rpc_table.h), log the outcome.

#include <functional>
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

// answer() for a row with a `start` (Identify's common case), without
// blocking this thread: admission and `decode` as answer(), then the row's
// start. `reply` gets the outcome, logged, once, from whichever thread has
// it. When the row's call must run after all, `elsewhere` is handed the job
// that runs it (the caller is admitted already) and replies, to run where
// blocking is allowed. `request` and `response` must stay valid until
// `reply` has been called.
template <typename Request, typename Response, typename Decode, typename Reply, typename Elsewhere>
void begin_answer(const Rpc<Request, Response>& rpc, const RpcUseCases& uses, const RpcGate& gate,
                  std::optional<std::string_view> authorization, const Request& request, Response& response,
                  CallScope scope, Decode&& decode, Reply reply, Elsewhere elsewhere) {
  scope.started = std::chrono::steady_clock::now();
  auto caller = admit_caller(authorization, gate.tokens, rpc.rate_limited() ? gate.limits : nullptr, rpc.method);
  const domain::Result<void> admitted = caller ? decode() : domain::Result<void>(std::unexpected(caller.error()));
  std::optional<log::RequestScope> tagged;
  tag_lines(tagged, request);
  if (!admitted) {
    log_outcome(rpc.method, rpc.audited(), caller ? &*caller : nullptr, admitted, scope);
    reply(admitted);
    return;
  }
  rpc.start(uses, *caller, request, response, scope,
            [&rpc, uses, &request, &response, scope, who = *caller, reply = std::move(reply),
             elsewhere = std::move(elsewhere)](std::optional<domain::Result<void>> outcome) {
              if (outcome) {
                std::optional<log::RequestScope> tagged_here;
                tag_lines(tagged_here, request);
                log_outcome(rpc.method, rpc.audited(), &who, *outcome, scope);
                reply(*outcome);
                return;
              }
              elsewhere(std::function<void()>([&rpc, uses, &request, &response, scope, who, reply] {
                reply(answer_admitted(rpc, uses, who, request, response, scope));
              }));
            });
}

}  // namespace tastesync::infrastructure::grpc_adapter
