#include "domain/error.h"

namespace tastesync::domain {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::kNotFound: return "NOT_FOUND";
    case ErrorCode::kAlreadyExists: return "ALREADY_EXISTS";
    case ErrorCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case ErrorCode::kUnauthenticated: return "UNAUTHENTICATED";
    case ErrorCode::kPermissionDenied: return "PERMISSION_DENIED";
    case ErrorCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case ErrorCode::kAborted: return "ABORTED";
    case ErrorCode::kUnavailable: return "UNAVAILABLE";
    case ErrorCode::kInternal: return "INTERNAL";
  }
  return "INTERNAL";
}

std::string describe(const Error& error) {
  const bool says_its_field = error.message.starts_with(error.field) && error.message.size() > error.field.size() &&
                              error.message[error.field.size()] == ' ';
  return error.field.empty() || says_its_field ? error.message : error.field + ": " + error.message;
}

}  // namespace tastesync::domain
