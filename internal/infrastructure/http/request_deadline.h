#pragma once

// How long an HTTP client still waits for its answer. HTTP/1.1 carries no
// deadline, so a client that knows its budget says so the way gRPC clients
// do, in a `grpc-timeout` header ("250m", "2S"; grpc-gateway reads the same
// header); without one, or with a longer one, the server's request timeout
// is the deadline. The worker pool starts no request after it, and a
// transition is not recorded after it, as over gRPC.

#include <chrono>
#include <optional>
#include <string_view>

namespace tastesync::infrastructure::http {

// A gRPC timeout value: 1 to 8 digits and a unit (H, M, S, m, u, n);
// nullopt when malformed.
std::optional<std::chrono::nanoseconds> parse_grpc_timeout(std::string_view value);

// When the client stops waiting for a request received at `received`: its
// `grpc-timeout` header if valid and shorter than `limit`, else `limit`.
std::chrono::steady_clock::time_point request_deadline(std::chrono::steady_clock::time_point received,
                                                       std::optional<std::string_view> grpc_timeout,
                                                       std::chrono::steady_clock::duration limit);

}  // namespace tastesync::infrastructure::http
