// customer-idctl import-fingerprints: sends a store's fingerprint
// calibration (CSV, see internal/infrastructure/floorplan/fingerprint_csv.h)
// through the Admin API, in chunks under the server's message limit
// (fingerprint_chunks.h). Every chunk is checked first (validate_only), so a
// bad row anywhere in the file changes nothing; then the chunks are sent.

#include <grpcpp/grpcpp.h>

#include <charconv>
#include <cmath>
#include <expected>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "command.h"
#include "grpc_channel.h"
#include "infrastructure/floorplan/fingerprint_chunks.h"
#include "infrastructure/floorplan/fingerprint_csv.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
constexpr std::string_view kName = "import-fingerprints";

void print_help() {
  std::cout << R"(Usage: customer-idctl import-fingerprints FILE --store STORE --token ADMIN_JWT [options]

Imports labeled RSSI scans recorded in each zone of a store (fingerprint
calibration). By default the file replaces the store's calibration; see
--mode. From then on the service's zone filter learns each zone's beacons
from these scans. Large files (up to the 50,000 samples a store may hold)
travel in chunks under the server's message limit: every chunk is checked
before the first one is stored, so a bad row changes nothing. Prints the
calibration report: how well the scans tell the zones apart.

FILE is CSV. The header names one column `zone` and one column per beacon,
written uuid:major:minor; every other line is one scan: the zone's id and
the RSSI (dBm) of each beacon, empty or -200 where it was not heard:

  zone,f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1,f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:2
  table-1,-61,-78
  table-2,,-63

Options:
  --store ID         the store the scans were recorded in
  --mode MODE        replace (the store's calibration becomes the file's, the
                     default), replace-zones (the file's zones get its scans,
                     other zones keep theirs) or append
  --chunk-bytes N    largest request, bytes (default 60000: under the server's
                     default 64 KiB grpc.max_message_bytes)
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

// What a request weighs besides its samples (store id, mode, flags), and
// what each sample adds to its own encoding (field tag and length).
constexpr std::size_t kRequestOverhead = 256;
constexpr std::size_t kFieldOverhead = 6;
constexpr std::size_t kDefaultChunkBytes = 60000;

std::expected<domain::CalibrationMode, std::string> mode_of(const std::string& text) {
  if (text == "replace") return domain::CalibrationMode::kReplaceStore;
  if (text == "replace-zones") return domain::CalibrationMode::kReplaceZones;
  if (text == "append") return domain::CalibrationMode::kAppend;
  return std::unexpected("--mode must be replace, replace-zones or append, not '" + text + "'");
}

v1::CalibrationMode to_proto(domain::CalibrationMode mode) {
  switch (mode) {
    case domain::CalibrationMode::kReplaceStore: return v1::CALIBRATION_REPLACE_STORE;
    case domain::CalibrationMode::kReplaceZones: return v1::CALIBRATION_REPLACE_ZONES;
    case domain::CalibrationMode::kAppend: return v1::CALIBRATION_APPEND;
  }
  return v1::CALIBRATION_APPEND;
}

// The calibration report in a few lines: the share placed back, the zones
// with few samples, the pairs too similar to tell apart.
void print_report(const v1::CalibrationReport& report) {
  std::cout << "calibration report: " << static_cast<int>(std::lround(report.placed_right() * 100.0))
            << "% of the samples, each left out, placed back in their zone\n";
  for (const v1::ZoneCalibration& zone : report.zones()) {
    if (zone.samples() == 0) std::cout << "  zone " << zone.zone_id() << ": no samples (placed by distance)\n";
  }
  if (report.confusable().empty()) {
    std::cout << "  no zones too similar to tell apart\n";
    return;
  }
  std::cout << "  too similar to tell apart (record more there, or treat them as one):";
  for (const v1::ConfusableZones& pair : report.confusable()) {
    std::cout << " " << pair.zone_a() << "/" << pair.zone_b() << " "
              << static_cast<int>(std::lround(pair.share() * 100.0)) << "%";
  }
  std::cout << "\n";
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
                               {"store", "token", "server", "ca", "plaintext", "mode", "chunk-bytes"});
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

  auto mode = mode_of(options->get("mode", "replace"));
  if (!mode) return usage_error(kName, mode.error());
  std::size_t budget = kDefaultChunkBytes;
  if (options->has("chunk-bytes")) {
    const std::string given = options->get("chunk-bytes");
    const auto [end, error] = std::from_chars(given.data(), given.data() + given.size(), budget);
    if (error != std::errc{} || end != given.data() + given.size() || budget < 1024) {
      return usage_error(kName, "--chunk-bytes must be a whole number of bytes, at least 1024");
    }
  }

  // Each sample as it travels, and what it weighs in a request.
  std::vector<v1::FingerprintSample> samples(csv->samples.size());
  std::vector<std::string> zones;
  std::vector<std::size_t> bytes;
  for (std::size_t i = 0; i < csv->samples.size(); ++i) {
    const auto& sample = csv->samples[i];
    samples[i].set_zone_id(sample.zone_id);
    for (const auto& reading : sample.readings) {
      v1::FingerprintReading* r = samples[i].add_readings();
      r->set_uuid(reading.uuid);
      r->set_major(static_cast<std::uint32_t>(reading.major));
      r->set_minor(static_cast<std::uint32_t>(reading.minor));
      r->set_rssi(static_cast<std::int32_t>(reading.rssi));
    }
    zones.push_back(sample.zone_id);
    bytes.push_back(samples[i].ByteSizeLong() + kFieldOverhead);
  }
  const std::vector<infrastructure::FingerprintChunk> chunks =
      infrastructure::plan_fingerprint_chunks(zones, bytes, budget - kRequestOverhead, *mode);

  auto channel = open_channel(*options);
  if (!channel) {
    std::cerr << "customer-idctl import-fingerprints: " << channel.error() << "\n";
    return kExitFailure;
  }
  auto stub = v1::Admin::NewStub(*channel);
  const auto send = [&](const infrastructure::FingerprintChunk& chunk, bool validate_only,
                        v1::ImportFingerprintsResponse& response) {
    v1::ImportFingerprintsRequest request;
    request.set_store_id(options->get("store"));
    request.set_mode(to_proto(chunk.mode));
    request.set_validate_only(validate_only);
    for (const std::size_t i : chunk.samples) *request.add_samples() = samples[i];
    grpc::ClientContext context;
    prepare_call(context, options->get("token"), std::chrono::seconds(60));
    return stub->ImportFingerprints(&context, request, &response);
  };
  const auto report_error = [&](const grpc::Status& status, const infrastructure::FingerprintChunk& chunk) {
    std::cerr << "customer-idctl import-fingerprints: " << status.error_code() << " " << status.error_message();
    // The server names the sample within the chunk; the file's line is ours.
    if (const auto index = sample_index(status.error_message()); index && *index < chunk.samples.size()) {
      std::cerr << " (" << path << " line " << csv->lines[chunk.samples[*index]] << ")";
    }
    std::cerr << "\n";
  };

  // First every chunk is checked, then stored.
  v1::ImportFingerprintsResponse response;
  for (const auto& chunk : chunks) {
    if (const grpc::Status status = send(chunk, true, response); !status.ok()) {
      report_error(status, chunk);
      std::cerr << "customer-idctl import-fingerprints: nothing was imported\n";
      return kExitFailure;
    }
  }
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    if (const grpc::Status status = send(chunks[c], false, response); !status.ok()) {
      report_error(status, chunks[c]);
      std::cerr << "customer-idctl import-fingerprints: request " << c + 1 << " of " << chunks.size()
                << " failed; the ones before it are stored: run the import again\n";
      return kExitFailure;
    }
  }
  std::cout << "store " << options->get("store") << ": " << csv->samples.size() << " fingerprint samples over "
            << std::set<std::string>(zones.begin(), zones.end()).size() << " zones imported (" << chunks.size()
            << (chunks.size() == 1 ? " request" : " requests") << "); the store now has " << response.store_samples()
            << "\n";
  print_report(response.report());
  return kExitOk;
}

const CommandRegistration kRegistration{
    Command{kName, "import a store's fingerprint calibration (CSV) through the Admin API", &run_import_fingerprints}};

}  // namespace
}  // namespace tastesync::ctl
