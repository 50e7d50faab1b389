// customer-idctl identify: calls Identify on a running server, the way the
// phone app does, and prints the answer as JSON. The README's one-line call.

#include <grpcpp/grpcpp.h>

#include <memory>
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

struct IdentifyOptions {
  std::string token;
  std::string beacons;
  std::string uuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";  // the demo store's
  std::string qr;
  std::string request_id;
  ServerConnection connection;
};

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

int run_identify(const IdentifyOptions& options) {
  v1::IdentifyRequest request;
  request.set_request_id(options.request_id.empty() ? util::new_uuid_v7() : options.request_id);
  if (!options.qr.empty()) {
    request.set_table_qr(options.qr);
  } else if (!add_beacons(options.beacons, options.uuid, request)) {
    return usage_error(kName, "--beacons must look like 100:3:-52,100:1:-78");
  }

  auto channel = open_channel(options.connection);
  if (!channel) {
    std::cerr << "customer-idctl identify: " << channel.error() << "\n";
    return kExitFailure;
  }
  auto stub = v1::CustomerIdentification::NewStub(*channel);
  grpc::ClientContext context;
  prepare_call(context, options.token);
  v1::IdentifyResponse response;
  return print_reply(kName, stub->Identify(&context, request, &response), response, options.connection);
}

Runner declare_identify(CLI::App& command) {
  auto options = std::make_shared<IdentifyOptions>();
  command.add_option("--token", options->token, "bearer token (customer-idctl token --customer ID)")->required();
  auto* beacons = command.add_option("--beacons", options->beacons,
                                     "comma-separated major:minor:rssi sightings, e.g. 100:3:-52,100:1:-78");
  command.add_option("--uuid", options->uuid, "proximity UUID of those beacons")->capture_default_str();
  auto* qr = command.add_option("--qr", options->qr, "a table QR payload instead of beacons (customer-idctl qr ...)");
  beacons->excludes(qr);
  command.add_option("--request-id", options->request_id, "idempotency key (default: a fresh UUID)");
  add_server_options(command, options->connection);
  return [options, beacons, qr]() {
    if (beacons->count() == 0 && qr->count() == 0) return usage_error(kName, "give one of --beacons and --qr");
    return run_identify(*options);
  };
}

const CommandRegistration kRegistration{
    Command{kName, "call Identify on a running server (beacons or a table QR)", &declare_identify}};

}  // namespace
}  // namespace tastesync::ctl
