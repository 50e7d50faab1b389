#pragma once

// gRPC status codes by the names the gRPC documentation and clients use
// ("UNAVAILABLE", not 14): for metrics labels, logs and the CLI's errors.

#include <grpcpp/support/status.h>

#include <string_view>

namespace tastesync::infrastructure::grpc_adapter {

// "UNKNOWN" for a code gRPC does not define.
std::string_view status_code_name(grpc::StatusCode code);

}  // namespace tastesync::infrastructure::grpc_adapter
