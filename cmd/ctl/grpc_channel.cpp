#include "grpc_channel.h"

#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "auth/key_files.h"
#include "infrastructure/grpc/status_names.h"

namespace tastesync::ctl {
namespace {

// The HTTPS/JSON gateway's port in the shipped configuration (http.listen).
constexpr std::string_view kHttpsPort = ":8443";

// gRPC's words for a peer that speaks TLS but not HTTP/2 (the JSON gateway
// offers only http/1.1 in ALPN) or plain HTTP/1.
bool sounds_like_https_listener(const std::string& message) {
  return message.find("ALPN") != std::string::npos || message.find("http1") != std::string::npos ||
         message.find("HTTP/1") != std::string::npos;
}

}  // namespace

void add_server_options(CLI::App& command, ServerConnection& connection) {
  command.add_option("--server", connection.server, "host:port of the server's gRPC listener (grpc.listen)")
      ->envname(std::string(kServerVariable))
      ->capture_default_str();
  command.add_option("--ca", connection.ca, "CA certificate to trust")->capture_default_str();
  command.add_flag("--plaintext", connection.plaintext, "no TLS (only for a server configured with grpc.tls: false)");
}

std::expected<std::shared_ptr<grpc::Channel>, std::string> open_channel(const ServerConnection& connection) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (connection.plaintext) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    auto ca = auth::read_key_file(connection.ca);
    if (!ca) return std::unexpected(ca.error().message);
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *ca;
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateChannel(connection.server, credentials);
}

void prepare_call(grpc::ClientContext& context, const std::string& token, std::chrono::seconds timeout) {
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string describe_failure(const grpc::Status& status, const ServerConnection& connection) {
  std::string text =
      std::string(infrastructure::grpc_adapter::status_code_name(status.error_code())) + ": " + status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (connection.server.ends_with(kHttpsPort) || sounds_like_https_listener(status.error_message()))) {
    text += "\nhint: " + connection.server +
            " looks like the HTTPS/JSON port; customer-idctl speaks gRPC, which listens on grpc.listen "
            "(default " +
            std::string(kDefaultServer) + ")";
  }
  return text;
}

int print_reply(std::string_view command, const grpc::Status& status, const google::protobuf::Message& response,
                const ServerConnection& connection) {
  if (!status.ok()) {
    std::cerr << "customer-idctl " << command << ": " << describe_failure(status, connection) << "\n";
    return kExitFailure;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(response, &json, print);
  std::cout << json << "\n";
  return kExitOk;
}

}  // namespace tastesync::ctl
