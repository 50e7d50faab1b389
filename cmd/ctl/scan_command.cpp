// customer-idctl scan: what a store scanner sends (StoreScanner): a phone's
// rotating Major:Minor it heard, or a customer's entrance code it read.

#include <iostream>
#include <string>

#include "command.h"
#include "grpc_channel.h"
#include "store_scanner.grpc.pb.h"
#include "util/uuid.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
constexpr std::string_view kName = "scan";

void print_help() {
  std::cout << R"(Usage: customer-idctl scan --token JWT --store STORE (--code CODE | --phone MAJOR:MINOR) [options]

Calls StoreScanner/ScanCustomerCode or StoreScanner/ReportPhoneBeacon and prints the answer as JSON.

Options:
  --token JWT        a scanner token bound to STORE (customer-idctl token --customer door-1 --role scanner --store STORE)
  --store STORE      the scanner's store
  --code CODE        a customer's entrance code (customer-idctl entrance-code ...)
  --phone MAJOR:MINOR a phone's rotating id (customer-idctl phone-id ...)
  --rssi DBM         signal strength of the phone (default -60)
  --request-id ID    idempotency key (default: a fresh UUID)
  --server ADDR      host:port (default localhost:50443)
  --ca PATH          CA certificate to trust (default internal/config/keys/dev/ca.crt)
  --plaintext true   no TLS (only for a server configured with grpc.tls: false)
  -h, --help         show this help
)";
}

int run_scan(int argc, char** argv) {
  auto options =
      parse_options(argc, argv, {"token", "store", "code", "phone", "rssi", "request-id", "server", "ca", "plaintext"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    print_help();
    return kExitOk;
  }
  if (!options->has("token")) return usage_error(kName, "--token is required (a scanner token)");
  if (!options->has("store")) return usage_error(kName, "--store is required");
  if (options->has("code") == options->has("phone"))
    return usage_error(kName, "give exactly one of --code and --phone");

  auto channel = open_channel(*options);
  if (!channel) {
    std::cerr << "customer-idctl scan: " << channel.error() << "\n";
    return kExitFailure;
  }
  auto stub = v1::StoreScanner::NewStub(*channel);
  grpc::ClientContext context;
  prepare_call(context, options->get("token"));
  v1::IdentifyResponse response;
  grpc::Status status;
  const std::string request_id = options->get("request-id", util::new_uuid_v7());
  if (options->has("code")) {
    v1::ScanCustomerCodeRequest request;
    request.set_request_id(request_id);
    request.set_store_id(options->get("store"));
    request.set_code(options->get("code"));
    status = stub->ScanCustomerCode(&context, request, &response);
  } else {
    v1::ReportPhoneBeaconRequest request;
    request.set_request_id(request_id);
    request.set_store_id(options->get("store"));
    const std::string phone = options->get("phone");
    try {
      const auto colon = phone.find(':');
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      request.set_major(static_cast<std::uint32_t>(std::stoul(phone.substr(0, colon))));
      request.set_minor(static_cast<std::uint32_t>(std::stoul(phone.substr(colon + 1))));
      request.set_rssi(std::stoi(options->get("rssi", "-60")));
    } catch (const std::exception&) {
      return usage_error(kName, "--phone must look like 40312:7781 and --rssi like -60");
    }
    status = stub->ReportPhoneBeacon(&context, request, &response);
  }
  return print_reply(kName, status, response);
}

const CommandRegistration kRegistration{
    Command{kName, "call StoreScanner with a phone's rotating id or an entrance code", &run_scan}};

}  // namespace
}  // namespace tastesync::ctl
