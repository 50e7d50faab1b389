// customer-idctl register-phone / entrance-code: what the customer's app asks
// the service for (CustomerCredentials), so ways 3 and 4 can be tried from a
// shell.

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "grpc_channel.h"
#include "store_scanner.grpc.pb.h"
#include "util/hex.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
constexpr std::string_view kTokenHelp = "the customer's token (customer-idctl token --customer ID)";

struct CredentialsOptions {
  std::string token;
  bool secret_only = false;  // register-phone only
  ServerConnection connection;
};

std::unique_ptr<v1::CustomerCredentials::Stub> connect(std::string_view name, const ServerConnection& connection) {
  auto channel = open_channel(connection);
  if (!channel) {
    std::cerr << "customer-idctl " << name << ": " << channel.error() << "\n";
    return nullptr;
  }
  return v1::CustomerCredentials::NewStub(*channel);
}

int report(std::string_view name, const grpc::Status& status, const ServerConnection& connection) {
  std::cerr << "customer-idctl " << name << ": " << describe_failure(status, connection) << "\n";
  return kExitFailure;
}

int run_register_phone(const CredentialsOptions& options) {
  constexpr std::string_view kName = "register-phone";
  auto stub = connect(kName, options.connection);
  if (!stub) return kExitFailure;
  grpc::ClientContext context;
  prepare_call(context, options.token);
  v1::RegisterPhoneResponse response;
  const grpc::Status status = stub->RegisterPhone(&context, v1::RegisterPhoneRequest{}, &response);
  if (!status.ok()) return report(kName, status, options.connection);
  if (options.secret_only) {
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

int run_entrance_code(const CredentialsOptions& options) {
  constexpr std::string_view kName = "entrance-code";
  auto stub = connect(kName, options.connection);
  if (!stub) return kExitFailure;
  grpc::ClientContext context;
  prepare_call(context, options.token);
  v1::IssueEntranceCodeResponse response;
  const grpc::Status status = stub->IssueEntranceCode(&context, v1::IssueEntranceCodeRequest{}, &response);
  if (!status.ok()) return report(kName, status, options.connection);
  std::cout << response.code() << "\n";
  return kExitOk;
}

Runner declare_register_phone(CLI::App& command) {
  auto options = std::make_shared<CredentialsOptions>();
  command.footer(
      "Prints the phone's device id, secret (hex), the UUID to advertise and the rotation period as JSON;\n"
      "with --secret-only just the secret, for `customer-idctl phone-id --secret`.");
  command.add_option("--token", options->token, std::string(kTokenHelp))->required();
  command.add_flag("--secret-only", options->secret_only, "print only the secret (hex)");
  add_server_options(command, options->connection);
  return [options] { return run_register_phone(*options); };
}

Runner declare_entrance_code(CLI::App& command) {
  auto options = std::make_shared<CredentialsOptions>();
  command.add_option("--token", options->token, std::string(kTokenHelp))->required();
  add_server_options(command, options->connection);
  return [options] { return run_entrance_code(*options); };
}

const CommandRegistration kRegisterPhone{Command{
    "register-phone", "register the caller's phone for rotating beacon ids (RegisterPhone)", &declare_register_phone}};
const CommandRegistration kEntranceCode{
    Command{"entrance-code", "print a fresh customer entrance code for a store scanner (IssueEntranceCode)",
            &declare_entrance_code}};

}  // namespace
}  // namespace tastesync::ctl
