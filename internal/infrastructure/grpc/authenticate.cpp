#include "infrastructure/grpc/authenticate.h"

#include <string_view>

#include "infrastructure/grpc/rpc_roles.h"

namespace tastesync::infrastructure::grpc_adapter {

domain::Result<application::Principal> authenticate(const grpc::CallbackServerContext& context,
                                                    const application::TokenVerifierPort& tokens) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return domain::fail(domain::ErrorCode::kUnauthenticated, "missing 'authorization: Bearer <token>' metadata");
  }
  const std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kScheme = "Bearer ";
  if (!value.starts_with(kScheme) || value.size() == kScheme.size()) {
    return domain::fail(domain::ErrorCode::kUnauthenticated, "authorization metadata must be 'Bearer <token>'");
  }
  return tokens.verify(value.substr(kScheme.size()));
}

domain::Result<application::Principal> admit_caller(const grpc::CallbackServerContext& context,
                                                    const application::TokenVerifierPort& tokens,
                                                    application::RateLimiterPort* limits,
                                                    std::string_view rpc_full_name) {
  auto caller = authenticate(context, tokens);
  if (!caller) return caller;
  if (auto allowed = authorize(*caller, rpc_full_name); !allowed) return std::unexpected(std::move(allowed.error()));
  if (limits != nullptr) {
    if (auto admitted = limits->admit(*caller); !admitted) return std::unexpected(std::move(admitted.error()));
  }
  return caller;
}

}  // namespace tastesync::infrastructure::grpc_adapter
