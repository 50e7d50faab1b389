// customer-idctl import-fingerprints: sends a store's fingerprint
// calibration (CSV, see internal/infrastructure/floorplan/fingerprint_csv.h)
// through the Admin API, in chunks under the server's message limit
// (fingerprint_chunks.h). Every chunk is checked first (validate_only), so a
// bad row anywhere in the file changes nothing; then the chunks are sent.

#include <grpcpp/grpcpp.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
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

std::map<std::string, domain::CalibrationMode> modes_by_name() {
  return {{"replace", domain::CalibrationMode::kReplaceStore},
          {"replace-zones", domain::CalibrationMode::kReplaceZones},
          {"append", domain::CalibrationMode::kAppend}};
}

struct ImportOptions {
  std::string file;
  std::string store;
  std::string mode = "replace";  // a key of modes_by_name()
  std::size_t chunk_bytes = kDefaultChunkBytes;
  std::string token;
  ServerConnection connection;
};

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
            << "% of the samples, each left out with the scans recorded around it, placed back in their zone\n";
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

int run_import_fingerprints(const ImportOptions& options) {
  const std::string& path = options.file;
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

  const std::size_t budget = options.chunk_bytes;

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
  const std::vector<infrastructure::FingerprintChunk> chunks = infrastructure::plan_fingerprint_chunks(
      zones, bytes, budget - kRequestOverhead, modes_by_name().at(options.mode));

  auto channel = open_channel(options.connection);
  if (!channel) {
    std::cerr << "customer-idctl import-fingerprints: " << channel.error() << "\n";
    return kExitFailure;
  }
  auto stub = v1::Admin::NewStub(*channel);
  const auto send = [&](const infrastructure::FingerprintChunk& chunk, bool validate_only,
                        v1::ImportFingerprintsResponse& response) {
    v1::ImportFingerprintsRequest request;
    request.set_store_id(options.store);
    request.set_mode(to_proto(chunk.mode));
    request.set_validate_only(validate_only);
    for (const std::size_t i : chunk.samples) *request.add_samples() = samples[i];
    grpc::ClientContext context;
    prepare_call(context, options.token, std::chrono::seconds(60));
    return stub->ImportFingerprints(&context, request, &response);
  };
  const auto report_error = [&](const grpc::Status& status, const infrastructure::FingerprintChunk& chunk) {
    std::cerr << "customer-idctl import-fingerprints: " << describe_failure(status, options.connection);
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
  std::cout << "store " << options.store << ": " << csv->samples.size() << " fingerprint samples over "
            << std::set<std::string>(zones.begin(), zones.end()).size() << " zones imported (" << chunks.size()
            << (chunks.size() == 1 ? " request" : " requests") << "); the store now has " << response.store_samples()
            << "\n";
  if (const std::vector<int>& unheard = csv->unheard_lines; !unheard.empty()) {
    const bool one = unheard.size() == 1;
    std::cout << unheard.size()
              << (one ? " scan heard no beacon and was left out (line "
                      : " scans heard no beacon and were left out (lines ");
    constexpr std::size_t kShown = 10;
    for (std::size_t i = 0; i < std::min(kShown, unheard.size()); ++i) std::cout << (i == 0 ? "" : ", ") << unheard[i];
    std::cout << (unheard.size() > kShown ? ", ...)\n" : ")\n");
  }
  print_report(response.report());
  return kExitOk;
}

Runner declare_import_fingerprints(CLI::App& command) {
  auto options = std::make_shared<ImportOptions>();
  command.footer(R"(Imports labeled RSSI scans recorded in each zone of a store (fingerprint
calibration). By default the file replaces the store's calibration; see
--mode. From then on the service's zone filter learns each zone's beacons
from these scans. Large files (up to the 50,000 samples a store may hold)
travel in chunks under the server's message limit: every chunk is checked
before the first one is stored, so a bad row changes nothing. Prints the
calibration report: how well the scans tell the zones apart.

FILE is CSV. The header names one column `zone` and one column per beacon,
written uuid:major:minor; every other line is one scan: the zone's id and
the RSSI (dBm) of each beacon, empty or -200 where it was not heard (a
scan that heard none is left out, and its line named):

  zone,f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1,f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:2
  table-1,-61,-78
  table-2,,-63)");
  command.add_option("FILE", options->file, "the scans, CSV")->required();
  command.add_option("--store", options->store, "the store the scans were recorded in")->required();
  command
      .add_option("--token", options->token, "admin bearer token (customer-idctl token --customer ops --role admin)")
      ->required();
  command
      .add_option("--mode", options->mode,
                  "replace (the store's calibration becomes the file's), replace-zones (the file's zones get its "
                  "scans, other zones keep theirs) or append")
      ->check(CLI::IsMember({"replace", "replace-zones", "append"}))
      ->capture_default_str();
  command
      .add_option("--chunk-bytes", options->chunk_bytes,
                  "largest request, bytes (under the server's default 64 KiB grpc.max_message_bytes)")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->capture_default_str();
  add_server_options(command, options->connection);
  return [options] { return run_import_fingerprints(*options); };
}

const CommandRegistration kRegistration{Command{
    kName, "import a store's fingerprint calibration (CSV) through the Admin API", &declare_import_fingerprints}};

}  // namespace
}  // namespace tastesync::ctl
