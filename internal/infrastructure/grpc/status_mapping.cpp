#include "infrastructure/grpc/status_mapping.h"

#include "error_details.pb.h"
#include "status.pb.h"

#include <string>

namespace tastesync::infrastructure::grpc_adapter {

grpc::StatusCode to_grpc_code(domain::ErrorCode code) {
  using domain::ErrorCode;
  switch (code) {
    case ErrorCode::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorCode::kNotFound: return grpc::StatusCode::NOT_FOUND;
    case ErrorCode::kAlreadyExists: return grpc::StatusCode::ALREADY_EXISTS;
    case ErrorCode::kFailedPrecondition: return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorCode::kUnauthenticated: return grpc::StatusCode::UNAUTHENTICATED;
    case ErrorCode::kPermissionDenied: return grpc::StatusCode::PERMISSION_DENIED;
    case ErrorCode::kResourceExhausted: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::kAborted: return grpc::StatusCode::ABORTED;
    case ErrorCode::kUnavailable: return grpc::StatusCode::UNAVAILABLE;
    case ErrorCode::kInternal: return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

grpc::Status to_grpc_status(const domain::Error& error) {
  const grpc::StatusCode code = to_grpc_code(error.code);
  const std::string message = domain::describe(error);
  const bool bad_field = error.code == domain::ErrorCode::kInvalidArgument && !error.field.empty();
  const bool retry_hint = error.retry_after.count() > 0;
  if (!bad_field && !retry_hint) return {code, message};

  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  status.set_message(message);
  if (bad_field) {
    google::rpc::BadRequest bad_request;
    auto* violation = bad_request.add_field_violations();
    violation->set_field(error.field);
    violation->set_description(error.message);
    status.add_details()->PackFrom(bad_request);
  }
  if (retry_hint) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(error.retry_after.count() / 1000);
    retry.mutable_retry_delay()->set_nanos(static_cast<int>((error.retry_after.count() % 1000) * 1000000));
    status.add_details()->PackFrom(retry);
  }
  return {code, message, status.SerializeAsString()};
}

grpc::Status shed_status(Shed reason, std::chrono::milliseconds retry_after) {
  switch (reason) {
    case Shed::kDeadlinePassed:
      return {grpc::StatusCode::DEADLINE_EXCEEDED,
              "the deadline passed (or would have before an answer) while the request waited; it was not run"};
    case Shed::kCallerGone:
      return {grpc::StatusCode::CANCELLED, "the call was cancelled while it waited; it was not run"};
    default: break;
  }
  domain::Error refused{domain::ErrorCode::kUnavailable,
                        std::string("server overloaded (") + to_string(reason) +
                            "): the request was not run; retry after " + std::to_string(retry_after.count()) +
                            " ms, with the same request_id",
                        ""};
  refused.retry_after = retry_after;
  return to_grpc_status(refused);
}

}  // namespace tastesync::infrastructure::grpc_adapter
