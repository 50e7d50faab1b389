#pragma once

// The one place where a domain Error becomes a gRPC status. Invalid fields
// travel as google.rpc.BadRequest in the status details (AIP-193) as well as
// in the message, so plain clients see them too.

#include <grpcpp/support/status.h>

#include <chrono>

#include "domain/error.h"
#include "infrastructure/grpc/admission_policy.h"

namespace tastesync::infrastructure::grpc_adapter {

grpc::StatusCode to_grpc_code(domain::ErrorCode code);
grpc::Status to_grpc_status(const domain::Error& error);

// A call the worker pool did not run (admission_policy.h). Refusals are
// UNAVAILABLE with a google.rpc.RetryInfo of `retry_after`; a call dropped
// because its deadline passed is DEADLINE_EXCEEDED, one whose caller left
// CANCELLED. Either way nothing was done: a retry with the same request_id
// is safe.
grpc::Status shed_status(Shed reason, std::chrono::milliseconds retry_after);

}  // namespace tastesync::infrastructure::grpc_adapter
