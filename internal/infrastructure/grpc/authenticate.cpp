#include "infrastructure/grpc/authenticate.h"

namespace tastesync::infrastructure::grpc_adapter {

domain::Result<application::Principal> authenticate(const grpc::CallbackServerContext& context,
                                                    const application::TokenVerifierPort& tokens) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) return authenticate(std::nullopt, tokens);
  return authenticate(std::string_view(it->second.data(), it->second.size()), tokens);
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

}  // namespace tastesync::infrastructure::grpc_adapter
