#include "infrastructure/grpc/authenticate.h"

#include <string_view>

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

}  // namespace tastesync::infrastructure::grpc_adapter
