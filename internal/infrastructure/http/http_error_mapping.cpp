#include "infrastructure/http/http_error_mapping.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "infrastructure/grpc/status_mapping.h"

namespace tastesync::infrastructure::http {

unsigned to_http_status(domain::ErrorCode code) {
  // google/api/http.proto and grpc-gateway's HTTPStatusFromCode.
  switch (grpc_adapter::to_grpc_code(code)) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    default: return 500;  // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

HttpError to_http_error(const domain::Error& error) {
  nlohmann::json body = {
      {"code", domain::to_string(error.code)},
      {"message", domain::describe(error)},
  };
  if (!error.field.empty()) body["field"] = error.field;
  // A message may quote what the client sent: ill-formed UTF-8 in it is
  // replaced rather than thrown over.
  HttpError mapped{to_http_status(error.code), body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
  if (error.retry_after.count() > 0) {
    // Retry-After counts whole seconds: round up, so a client never retries early.
    mapped.retry_after = std::to_string((error.retry_after.count() + 999) / 1000);
  }
  return mapped;
}

HttpError to_http_error(grpc_adapter::Shed reason, std::chrono::milliseconds retry_after) {
  const grpc::Status status = grpc_adapter::shed_status(reason, retry_after);
  const char* code = "UNAVAILABLE";
  unsigned http_status = 503;
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    code = "DEADLINE_EXCEEDED";
    http_status = 504;
  } else if (status.error_code() == grpc::StatusCode::CANCELLED) {
    code = "CANCELLED";
    http_status = 499;
  }
  const nlohmann::json body = {{"code", code}, {"message", status.error_message()}};
  HttpError mapped{http_status, body.dump(), {}};
  if (grpc_adapter::is_refusal(reason)) {
    // Whole seconds, rounded up and at least one: a client never retries early.
    mapped.retry_after = std::to_string(std::max<long long>(1, (retry_after.count() + 999) / 1000));
  }
  return mapped;
}

}  // namespace tastesync::infrastructure::http
