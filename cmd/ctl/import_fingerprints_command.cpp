// customer-idctl import-fingerprints: sends a store's fingerprint
// calibration (CSV, see internal/infrastructure/floorplan/fingerprint_csv.h)
// through the Admin API. It replaces the store's previous calibration.

#include <grpcpp/grpcpp.h>

#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "command.h"
#include "grpc_channel.h"
#include "infrastructure/floorplan/fingerprint_csv.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
constexpr std::string_view kName = "import-fingerprints";

void print_help() {
  std::cout << R"(Usage: customer-idctl import-fingerprints FILE --store STORE --token ADMIN_JWT [options]

Imports labeled RSSI scans recorded in each zone of a store (fingerprint
calibration) and replaces the store's previous calibration. From then on the
service places that store's customers by these fingerprints (k nearest
neighbours) instead of by the nearest beacon.

FILE is CSV. The header names one column `zone` and one column per beacon,
written uuid:major:minor; every other line is one scan: the zone's id and
the RSSI (dBm) of each beacon, empty or -200 where it was not heard:

  zone,f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1,f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:2
  table-1,-61,-78
  table-2,,-63

Options:
  --store ID         the store the scans were recorded in
  --token JWT        admin bearer token (customer-idctl token --customer ops --role admin)
  --server ADDR      host:port (default localhost:50443)
  --ca PATH          CA certificate to trust (default internal/config/keys/dev/ca.crt)
  --plaintext true   no TLS (only for a server configured with grpc.tls: false)
  -h, --help         show this help
)";
}

// "samples[12].zone_id" -> 12, so a server error can point at a CSV line.
std::optional<std::size_t> sample_index(const std::string& text) {
  const std::size_t at = text.find("samples[");
  if (at == std::string::npos) return std::nullopt;
  std::size_t index = 0;
  const char* begin = text.data() + at + 8;
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), index);
  if (error != std::errc{} || end == begin || *end != ']') return std::nullopt;
  return index;
}

int run_import_fingerprints(int argc, char** argv) {
  std::vector<char*> option_args{argv[0]};
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!arg.starts_with("-")) {
      positional.emplace_back(arg);
      continue;
    }
    option_args.push_back(argv[i]);
    const bool takes_value = arg.starts_with("--") && arg != "--help" && arg.find('=') == std::string_view::npos;
    if (takes_value && i + 1 < argc) option_args.push_back(argv[++i]);
  }
  auto options = parse_options(static_cast<int>(option_args.size()), option_args.data(),
                               {"store", "token", "server", "ca", "plaintext"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    print_help();
    return kExitOk;
  }
  if (positional.size() != 1) return usage_error(kName, "give exactly one CSV FILE");
  if (!options->has("store")) return usage_error(kName, "--store is required");
  if (!options->has("token")) {
    return usage_error(kName, "--token is required (customer-idctl token --customer ops --role admin)");
  }

  const std::string& path = positional.front();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "customer-idctl import-fingerprints: cannot read " << path << "\n";
    return kExitFailure;
  }
  std::stringstream text;
  text << file.rdbuf();
  // Checked locally first, with line numbers; the server checks the rest.
  auto csv = infrastructure::parse_fingerprint_csv(text.str());
  if (!csv) {
    std::cerr << "customer-idctl import-fingerprints: " << path << ": " << csv.error().message << "\n";
    return kExitFailure;
  }

  v1::ImportFingerprintsRequest request;
  request.set_store_id(options->get("store"));
  for (const auto& sample : csv->samples) {
    v1::FingerprintSample* out = request.add_samples();
    out->set_zone_id(sample.zone_id);
    for (const auto& reading : sample.readings) {
      v1::FingerprintReading* r = out->add_readings();
      r->set_uuid(reading.uuid);
      r->set_major(static_cast<std::uint32_t>(reading.major));
      r->set_minor(static_cast<std::uint32_t>(reading.minor));
      r->set_rssi(static_cast<std::int32_t>(reading.rssi));
    }
  }

  auto channel = open_channel(*options);
  if (!channel) {
    std::cerr << "customer-idctl import-fingerprints: " << channel.error() << "\n";
    return kExitFailure;
  }
  grpc::ClientContext context;
  prepare_call(context, options->get("token"), std::chrono::seconds(60));
  v1::ImportFingerprintsResponse response;
  const grpc::Status status = v1::Admin::NewStub(*channel)->ImportFingerprints(&context, request, &response);
  if (!status.ok()) {
    std::cerr << "customer-idctl import-fingerprints: " << status.error_code() << " " << status.error_message();
    if (const auto index = sample_index(status.error_message()); index && *index < csv->lines.size()) {
      std::cerr << " (" << path << " line " << csv->lines[*index] << ")";
    }
    std::cerr << "\n";
    return kExitFailure;
  }
  std::cout << "store " << options->get("store") << ": " << response.samples() << " fingerprint samples over "
            << response.zones() << " zones imported\n";
  return kExitOk;
}

const CommandRegistration kRegistration{
    Command{kName, "import a store's fingerprint calibration (CSV) through the Admin API", &run_import_fingerprints}};

}  // namespace
}  // namespace tastesync::ctl
