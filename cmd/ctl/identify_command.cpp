// customer-idctl identify: calls Identify on a running server, the way the
// phone app does, and prints the answer as JSON. The README's one-line call.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <sstream>
#include <string>

#include "command.h"
#include "customer_id.grpc.pb.h"
#include "grpc_channel.h"
#include "util/uuid.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
constexpr std::string_view kName = "identify";

void print_help() {
  std::cout << R"(Usage: customer-idctl identify --token JWT (--beacons LIST | --qr PAYLOAD) [options]

Calls CustomerIdentification/Identify and prints the response as JSON.

Options:
  --token JWT        bearer token (customer-idctl token --customer ID)
  --beacons LIST     comma-separated major:minor:rssi sightings, e.g. 100:3:-52,100:1:-78
  --uuid UUID        proximity UUID of those beacons (default: the demo store's)
  --qr PAYLOAD       a table QR payload instead of beacons (customer-idctl qr ...)
  --request-id ID    idempotency key (default: a fresh UUID)
  --server ADDR      host:port (default localhost:50443)
  --ca PATH          CA certificate to trust (default internal/config/keys/dev/ca.crt)
  --plaintext true   no TLS (only for a server configured with grpc.tls: false)
  -h, --help         show this help
)";
}

bool add_beacons(const std::string& list, const std::string& uuid, v1::IdentifyRequest& request) {
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ',')) {
    std::stringstream parts(item);
    std::string major;
    std::string minor;
    std::string rssi;
    if (!std::getline(parts, major, ':') || !std::getline(parts, minor, ':') || !std::getline(parts, rssi))
      return false;
    try {
      auto* sighting = request.mutable_beacons()->add_sightings();
      sighting->set_uuid(uuid);
      sighting->set_major(static_cast<std::uint32_t>(std::stoul(major)));
      sighting->set_minor(static_cast<std::uint32_t>(std::stoul(minor)));
      sighting->set_rssi(std::stoi(rssi));
    } catch (const std::exception&) {
      return false;
    }
  }
  return request.beacons().sightings_size() > 0;
}

int run_identify(int argc, char** argv) {
  auto options =
      parse_options(argc, argv, {"token", "beacons", "uuid", "qr", "request-id", "server", "ca", "plaintext"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    print_help();
    return kExitOk;
  }
  if (!options->has("token")) return usage_error(kName, "--token is required (customer-idctl token --customer ID)");
  if (options->has("beacons") == options->has("qr"))
    return usage_error(kName, "give exactly one of --beacons and --qr");

  v1::IdentifyRequest request;
  request.set_request_id(options->get("request-id", util::new_uuid_v7()));
  if (options->has("qr")) {
    request.set_table_qr(options->get("qr"));
  } else if (!add_beacons(options->get("beacons"), options->get("uuid", "f7826da6-4fa2-4e98-8024-bc5b71e0893e"),
                          request)) {
    return usage_error(kName, "--beacons must look like 100:3:-52,100:1:-78");
  }

  auto channel = open_channel(*options);
  if (!channel) {
    std::cerr << "customer-idctl identify: " << channel.error() << "\n";
    return kExitFailure;
  }
  auto stub = v1::CustomerIdentification::NewStub(*channel);
  grpc::ClientContext context;
  prepare_call(context, options->get("token"));
  v1::IdentifyResponse response;
  return print_reply(kName, stub->Identify(&context, request, &response), response);
}

const CommandRegistration registration{
    Command{kName, "call Identify on a running server (beacons or a table QR)", &run_identify}};

}  // namespace
}  // namespace tastesync::ctl
