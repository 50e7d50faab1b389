#pragma once

// What every HTTPS route does around its work: admit the caller by the gRPC
// services' own gate, run on the shared worker pool, and answer errors the
// one way (http_error_mapping).

#include <functional>
#include <optional>
#include <string_view>

#include "application/ports/principal.h"
#include "application/ports/rate_limiter_port.h"
#include "application/ports/token_verifier_port.h"
#include "domain/error.h"
#include "infrastructure/grpc/worker_pool.h"
#include "infrastructure/http/http_types.h"

namespace tastesync::infrastructure::http {

// The request's `Authorization` header, if sent: what the gate admits by
// (grpc/authenticate.h), as a gRPC call's `authorization` metadata.
std::optional<std::string_view> authorization_of(const HttpRequest& http);

// For the routes outside the RPC table (the staff pages' streams and
// downloads): admits the caller as the gRPC method the route reads for, by
// the same gate as every RPC (the token, the role table, the rate limits);
// the use cases then apply their per-request rules. `limits` may be nullptr.
domain::Result<application::Principal> admit_http_caller(const char* grpc_method, const HttpRequest& http,
                                                         const application::TokenVerifierPort& tokens,
                                                         application::RateLimiterPort* limits);

// The error as JSON with its HTTP status (and Retry-After). Calls of the RPC
// table are logged on their path (grpc/rpc_call.h); the routes outside it
// (the staff pages' streams and downloads) log theirs with log_refusal.
HttpResponse error_response(const domain::Error& error);
void log_refusal(const char* grpc_method, const domain::Error& error);

// Runs `task` on the worker pool (see worker_pool.h) with the request's
// deadline and a look at whether its client is still there; a refused
// request is answered 503 at once with a Retry-After header. Without a pool:
// on the calling thread. A task that throws answers 500.
void run_pooled(grpc_adapter::WorkerPool* workers, const HttpRequest& http, std::function<void()> task,
                const Respond& respond);

}  // namespace tastesync::infrastructure::http
