#include "infrastructure/grpc/authenticate.h"

#include <string_view>

#include "infrastructure/grpc/rpc_roles.h"

namespace tastesync::infrastructure::grpc_adapter {

std::optional<std::string_view> authorization_of(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) return std::nullopt;
  return std::string_view(it->second.data(), it->second.size());
}

domain::Result<application::Principal> authenticate(std::optional<std::string_view> authorization,
                                                    const application::TokenVerifierPort& tokens) {
  if (!authorization) {
    return domain::fail(domain::ErrorCode::kUnauthenticated, "missing 'authorization: Bearer <token>'");
  }
  constexpr std::string_view kScheme = "Bearer ";
  if (!authorization->starts_with(kScheme) || authorization->size() == kScheme.size()) {
    return domain::fail(domain::ErrorCode::kUnauthenticated, "authorization must be 'Bearer <token>'");
  }
  return tokens.verify(authorization->substr(kScheme.size()));
}

domain::Result<application::Principal> admit_caller(std::optional<std::string_view> authorization,
                                                    const application::TokenVerifierPort& tokens,
                                                    application::RateLimiterPort* limits,
                                                    std::string_view rpc_full_name) {
  auto caller = authenticate(authorization, tokens);
  if (!caller) return caller;
  if (auto allowed = authorize(*caller, rpc_full_name); !allowed) return std::unexpected(std::move(allowed.error()));
  if (limits != nullptr) {
    if (auto admitted = limits->admit(*caller); !admitted) return std::unexpected(std::move(admitted.error()));
  }
  return caller;
}

}  // namespace tastesync::infrastructure::grpc_adapter
