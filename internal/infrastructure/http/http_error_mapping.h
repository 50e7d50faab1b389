#pragma once

// The one place where a domain Error becomes an HTTP answer. The status is
// derived from the gRPC code the gRPC adapter gives the same error
// (grpc_adapter::to_grpc_code), by the table google.api.http transcoders
// use, so a client sees the same outcome through Envoy, this gateway or gRPC.

#include <chrono>
#include <string>

#include "domain/error.h"
#include "infrastructure/grpc/admission_policy.h"

namespace tastesync::infrastructure::http {

struct HttpError {
  unsigned status = 500;
  std::string body;         // {"code": "INVALID_ARGUMENT", "message": "...", "field": "..."}
  std::string retry_after;  // whole seconds for a Retry-After header; empty when none
};

unsigned to_http_status(domain::ErrorCode code);
HttpError to_http_error(const domain::Error& error);

// A request the worker pool did not run, as the gRPC adapter answers the same
// call (grpc_adapter::shed_status): refusals 503 with Retry-After, a request
// whose deadline passed 504, one whose client left 499.
HttpError to_http_error(grpc_adapter::Shed reason, std::chrono::milliseconds retry_after);

}  // namespace tastesync::infrastructure::http
