// customer-idctl register-phone / entrance-code: what the customer's app asks
// the service for (CustomerCredentials), so ways 3 and 4 can be tried from a
// shell.

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "grpc_channel.h"
#include "store_scanner.grpc.pb.h"
#include "util/hex.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;

constexpr const char* kConnectionHelp = R"(  --server ADDR      host:port (default localhost:50443)
  --ca PATH          CA certificate to trust (default internal/config/keys/dev/ca.crt)
  --plaintext true   no TLS (only for a server configured with grpc.tls: false)
  -h, --help         show this help
)";

std::unique_ptr<v1::CustomerCredentials::Stub> connect(std::string_view name, const ParsedOptions& options) {
  auto channel = open_channel(options);
  if (!channel) {
    std::cerr << "customer-idctl " << name << ": " << channel.error() << "\n";
    return nullptr;
  }
  return v1::CustomerCredentials::NewStub(*channel);
}

int report(std::string_view name, const grpc::Status& status) {
  std::cerr << "customer-idctl " << name << ": " << status.error_code() << " " << status.error_message() << "\n";
  return kExitFailure;
}

int run_register_phone(int argc, char** argv) {
  constexpr std::string_view kName = "register-phone";
  auto options = parse_options(argc, argv, {"token", "secret-only", "server", "ca", "plaintext"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    std::cout << "Usage: customer-idctl register-phone --token JWT [--secret-only true] [options]\n\n"
                 "Registers the caller's phone (CustomerCredentials/RegisterPhone) and prints its device id,\n"
                 "secret (hex), the UUID to advertise and the rotation period as JSON; with --secret-only true\n"
                 "just the secret, for `customer-idctl phone-id --secret`.\n\nOptions:\n"
                 "  --token JWT        the customer's token (customer-idctl token --customer ID)\n"
              << kConnectionHelp;
    return kExitOk;
  }
  if (!options->has("token")) return usage_error(kName, "--token is required (customer-idctl token --customer ID)");
  auto stub = connect(kName, *options);
  if (!stub) return kExitFailure;
  grpc::ClientContext context;
  prepare_call(context, options->get("token"));
  v1::RegisterPhoneResponse response;
  const grpc::Status status = stub->RegisterPhone(&context, v1::RegisterPhoneRequest{}, &response);
  if (!status.ok()) return report(kName, status);
  if (options->get("secret-only") == "true") {
    std::cout << util::hex_encode(response.secret()) << "\n";
    return kExitOk;
  }
  const nlohmann::json out = {{"deviceId", response.device_id()},
                              {"secretHex", util::hex_encode(response.secret())},
                              {"advertiseUuid", response.advertise_uuid()},
                              {"rotationPeriodSeconds", response.rotation_period_seconds()}};
  std::cout << out.dump() << "\n";
  return kExitOk;
}

int run_entrance_code(int argc, char** argv) {
  constexpr std::string_view kName = "entrance-code";
  auto options = parse_options(argc, argv, {"token", "server", "ca", "plaintext"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    std::cout << "Usage: customer-idctl entrance-code --token JWT [options]\n\n"
                 "Prints a fresh entrance code (CustomerCredentials/IssueEntranceCode) for a store scanner.\n\n"
                 "Options:\n"
                 "  --token JWT        the customer's token (customer-idctl token --customer ID)\n"
              << kConnectionHelp;
    return kExitOk;
  }
  if (!options->has("token")) return usage_error(kName, "--token is required (customer-idctl token --customer ID)");
  auto stub = connect(kName, *options);
  if (!stub) return kExitFailure;
  grpc::ClientContext context;
  prepare_call(context, options->get("token"));
  v1::IssueEntranceCodeResponse response;
  const grpc::Status status = stub->IssueEntranceCode(&context, v1::IssueEntranceCodeRequest{}, &response);
  if (!status.ok()) return report(kName, status);
  std::cout << response.code() << "\n";
  return kExitOk;
}

const CommandRegistration kRegisterPhone{
    Command{"register-phone", "register the caller's phone for rotating beacon ids", &run_register_phone}};
const CommandRegistration kEntranceCode{
    Command{"entrance-code", "print a fresh customer entrance code", &run_entrance_code}};

}  // namespace
}  // namespace tastesync::ctl
