// customer-idctl scan: what a store scanner sends (StoreScanner): a phone's
// rotating Major:Minor it heard, or a customer's entrance code it read.

#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "grpc_channel.h"
#include "store_scanner.grpc.pb.h"
#include "util/uuid.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
constexpr std::string_view kName = "scan";

struct ScanOptions {
  std::string token;
  std::string store;
  std::string code;
  std::string phone;
  int rssi = -60;
  std::string request_id;
  ServerConnection connection;
};

int run_scan(const ScanOptions& options) {
  auto channel = open_channel(options.connection);
  if (!channel) {
    std::cerr << "customer-idctl scan: " << channel.error() << "\n";
    return kExitFailure;
  }
  auto stub = v1::StoreScanner::NewStub(*channel);
  grpc::ClientContext context;
  prepare_call(context, options.token);
  v1::IdentifyResponse response;
  grpc::Status status;
  const std::string request_id = options.request_id.empty() ? util::new_uuid_v7() : options.request_id;
  if (!options.code.empty()) {
    v1::ScanCustomerCodeRequest request;
    request.set_request_id(request_id);
    request.set_store_id(options.store);
    request.set_code(options.code);
    status = stub->ScanCustomerCode(&context, request, &response);
  } else {
    v1::ReportPhoneBeaconRequest request;
    request.set_request_id(request_id);
    request.set_store_id(options.store);
    try {
      const auto colon = options.phone.find(':');
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      request.set_major(static_cast<std::uint32_t>(std::stoul(options.phone.substr(0, colon))));
      request.set_minor(static_cast<std::uint32_t>(std::stoul(options.phone.substr(colon + 1))));
    } catch (const std::exception&) {
      return usage_error(kName, "--phone must look like 40312:7781");
    }
    request.set_rssi(options.rssi);
    status = stub->ReportPhoneBeacon(&context, request, &response);
  }
  return print_reply(kName, status, response, options.connection);
}

Runner declare_scan(CLI::App& command) {
  auto options = std::make_shared<ScanOptions>();
  command
      .add_option("--token", options->token,
                  "a scanner token bound to STORE (customer-idctl token --customer door-1 --role scanner --store "
                  "STORE)")
      ->required();
  command.add_option("--store", options->store, "the scanner's store")->required();
  auto* code = command.add_option("--code", options->code, "a customer's entrance code (customer-idctl entrance-code)");
  auto* phone =
      command.add_option("--phone", options->phone, "a phone's rotating id MAJOR:MINOR (customer-idctl phone-id)");
  code->excludes(phone);
  command.add_option("--rssi", options->rssi, "signal strength of the phone, dBm")->capture_default_str();
  command.add_option("--request-id", options->request_id, "idempotency key (default: a fresh UUID)");
  add_server_options(command, options->connection);
  return [options, code, phone]() {
    if (code->count() == 0 && phone->count() == 0) return usage_error(kName, "give one of --code and --phone");
    return run_scan(*options);
  };
}

const CommandRegistration kRegistration{
    Command{kName, "call StoreScanner with a phone's rotating id or an entrance code", &declare_scan}};

}  // namespace
}  // namespace tastesync::ctl
