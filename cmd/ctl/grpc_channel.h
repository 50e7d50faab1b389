#pragma once

// How customer-idctl's RPC subcommands reach the server: the shared
// --server / --ca / --plaintext options, the bearer token on each call, and
// how a failed call is told.

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <expected>
#include <memory>
#include <string>

#include "command.h"

namespace tastesync::ctl {

inline constexpr std::string_view kDefaultServer = "localhost:50443";
inline constexpr std::string_view kDefaultCaFile = "internal/config/keys/dev/ca.crt";
// Where --server comes from when it is not given.
inline constexpr std::string_view kServerVariable = "CUSTOMER_ID_SERVER";

struct ServerConnection {
  std::string server{kDefaultServer};  // host:port of the gRPC listener
  std::string ca{kDefaultCaFile};      // CA certificate to trust
  bool plaintext = false;              // no TLS (a server with grpc.tls: false)
};

// Declares --server (or $CUSTOMER_ID_SERVER), --ca and --plaintext on `command`.
void add_server_options(CLI::App& command, ServerConnection& connection);

// A channel to the server: TLS trusting the CA, or plaintext. The error is
// ready to print.
std::expected<std::shared_ptr<grpc::Channel>, std::string> open_channel(const ServerConnection& connection);

// Sets the `authorization: Bearer` metadata and a deadline on a call.
void prepare_call(grpc::ClientContext& context, const std::string& token,
                  std::chrono::seconds timeout = std::chrono::seconds(5));

// A failed call in words: "UNAVAILABLE: <message>", and a hint when the
// address looks like the HTTPS/JSON listener rather than gRPC's.
std::string describe_failure(const grpc::Status& status, const ServerConnection& connection);

// Ends an RPC subcommand: the answer as protobuf JSON (every field) on
// stdout and kExitOk, or the failure on stderr and kExitFailure.
int print_reply(std::string_view command, const grpc::Status& status, const google::protobuf::Message& response,
                const ServerConnection& connection);

}  // namespace tastesync::ctl
