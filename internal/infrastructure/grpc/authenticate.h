#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string_view>

#include "application/ports/principal.h"
#include "application/ports/token_verifier_port.h"
#include "domain/error.h"

namespace tastesync::infrastructure::grpc_adapter {

// The caller, from the `authorization: Bearer <token>` metadata; every gRPC
// service of ours authenticates through here so all reject the same way.
domain::Result<application::Principal> authenticate(const grpc::CallbackServerContext& context,
                                                    const application::TokenVerifierPort& tokens);

// The same from an `Authorization` value (HTTP header or gRPC metadata;
// nullopt when absent): the HTTPS/JSON gateway authenticates through here too.
domain::Result<application::Principal> authenticate(std::optional<std::string_view> authorization,
                                                    const application::TokenVerifierPort& tokens);

}  // namespace tastesync::infrastructure::grpc_adapter
