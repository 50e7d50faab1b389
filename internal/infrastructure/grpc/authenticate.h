#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string_view>

#include "application/ports/principal.h"
#include "application/ports/rate_limiter_port.h"
#include "application/ports/token_verifier_port.h"
#include "domain/error.h"

namespace tastesync::infrastructure::grpc_adapter {

// The call's `authorization` metadata, if sent.
std::optional<std::string_view> authorization_of(const grpc::CallbackServerContext& context);

// The gate in front of every RPC, from an `Authorization` value (HTTP header
// or gRPC metadata; nullopt when absent): authenticate, then the role table
// (rpc_roles.h), then the caller's rate limits (when `limits` is set). Both
// transports admit through here (rpc_call.h), so all reject the same way.
domain::Result<application::Principal> admit_caller(std::optional<std::string_view> authorization,
                                                    const application::TokenVerifierPort& tokens,
                                                    application::RateLimiterPort* limits,
                                                    std::string_view rpc_full_name);
// Who the bearer token says the caller is.
domain::Result<application::Principal> authenticate(std::optional<std::string_view> authorization,
                                                    const application::TokenVerifierPort& tokens);

}  // namespace tastesync::infrastructure::grpc_adapter
