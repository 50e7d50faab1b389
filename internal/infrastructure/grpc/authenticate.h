#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string_view>

#include "application/ports/principal.h"
#include "application/ports/rate_limiter_port.h"
#include "application/ports/token_verifier_port.h"
#include "domain/error.h"

namespace tastesync::infrastructure::grpc_adapter {

// The caller, from the `authorization: Bearer <token>` metadata; every gRPC
// service of ours authenticates through here so all reject the same way.
domain::Result<application::Principal> authenticate(const grpc::CallbackServerContext& context,
                                                    const application::TokenVerifierPort& tokens);

// The gate in front of every RPC: authenticate, then the role table
// (rpc_roles.h), then the caller's rate limits (when `limits` is set).
domain::Result<application::Principal> admit_caller(const grpc::CallbackServerContext& context,
                                                    const application::TokenVerifierPort& tokens,
                                                    application::RateLimiterPort* limits,
                                                    std::string_view rpc_full_name);
// The same gate from an `Authorization` value: the HTTPS/JSON gateway admits
// each route as the gRPC method it maps to.
domain::Result<application::Principal> admit_caller(std::optional<std::string_view> authorization,
                                                    const application::TokenVerifierPort& tokens,
                                                    application::RateLimiterPort* limits,
                                                    std::string_view rpc_full_name);
// The same from an `Authorization` value (HTTP header or gRPC metadata;
// nullopt when absent): the HTTPS/JSON gateway authenticates through here too.
domain::Result<application::Principal> authenticate(std::optional<std::string_view> authorization,
                                                    const application::TokenVerifierPort& tokens);

}  // namespace tastesync::infrastructure::grpc_adapter
