#pragma once

// The one place where a domain Error becomes a gRPC status. Invalid fields
// travel as google.rpc.BadRequest in the status details (AIP-193) as well as
// in the message, so plain clients see them too.

#include <grpcpp/support/status.h>

#include "domain/error.h"

namespace tastesync::infrastructure::grpc_adapter {

grpc::StatusCode to_grpc_code(domain::ErrorCode code);
grpc::Status to_grpc_status(const domain::Error& error);

}  // namespace tastesync::infrastructure::grpc_adapter
