#pragma once

// How customer-idctl's RPC subcommands reach the server: the shared
// --server / --ca / --plaintext options and the bearer token on each call.

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

// A channel to `--server` (default localhost:50443): TLS trusting `--ca`
// (default the dev CA), or plaintext with `--plaintext true`. The error is
// ready to print.
std::expected<std::shared_ptr<grpc::Channel>, std::string> open_channel(const ParsedOptions& options);

// Sets the `authorization: Bearer` metadata and a deadline on a call.
void prepare_call(grpc::ClientContext& context, const std::string& token,
                  std::chrono::seconds timeout = std::chrono::seconds(5));

// Ends an RPC subcommand: the answer as protobuf JSON (every field) on
// stdout and kExitOk, or the status on stderr and kExitFailure.
int print_reply(std::string_view command, const grpc::Status& status, const google::protobuf::Message& response);

}  // namespace tastesync::ctl
