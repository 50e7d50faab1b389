#include "grpc_channel.h"

#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "auth/key_files.h"

namespace tastesync::ctl {

std::expected<std::shared_ptr<grpc::Channel>, std::string> open_channel(const ParsedOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.get("plaintext") == "true") {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    auto ca = auth::read_key_file(options.get("ca", std::string(kDefaultCaFile)));
    if (!ca) return std::unexpected(ca.error().message);
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *ca;
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateChannel(options.get("server", std::string(kDefaultServer)), credentials);
}

void prepare_call(grpc::ClientContext& context, const std::string& token, std::chrono::seconds timeout) {
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() + timeout);
}

int print_reply(std::string_view command, const grpc::Status& status, const google::protobuf::Message& response) {
  if (!status.ok()) {
    std::cerr << "customer-idctl " << command << ": " << status.error_code() << " " << status.error_message() << "\n";
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
