#pragma once

// The project's one error type. Every port and use case returns
// `Result<T>`; adapters map `ErrorCode` to a transport status in exactly one
// place each (gRPC: infrastructure/grpc/status_mapping, HTTP: later).

#include <chrono>
#include <expected>
#include <string>
#include <utility>

namespace tastesync::domain {

enum class ErrorCode {
  kInvalidArgument,     // the client sent something malformed
  kNotFound,            // a referenced thing does not exist
  kAlreadyExists,       // creating something that is already there
  kFailedPrecondition,  // valid request, wrong state (e.g. beacon retired)
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // credentials fine, not allowed
  kResourceExhausted,   // rate or size limit
  kAborted,             // a concurrent change won; re-read and retry
  kUnavailable,         // a dependency is down; retrying may help
  kInternal,            // a bug or an invariant broke
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // For kInvalidArgument: the request field at fault (e.g. "sightings[2].rssi"),
  // so clients can show which input was wrong (AIP-193 field violations).
  std::string field;
  // For kResourceExhausted / kUnavailable: how long the caller should wait
  // before retrying, when that is known (a rate limit's refill); zero when not.
  std::chrono::milliseconds retry_after{0};
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for `return fail(ErrorCode::kNotFound, "...")` from any Result<T>.
inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string field = {}) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}

const char* to_string(ErrorCode code);

// The error as one line: "field: message"; the message alone when no field
// is named or when the message's sentence begins with its field ("store_id
// is required"), so the field is said once. What API clients read (gRPC
// status, HTTPS body) and what a file's reader is told.
std::string describe(const Error& error);

}  // namespace tastesync::domain
