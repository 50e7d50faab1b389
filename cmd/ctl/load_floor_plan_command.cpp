// customer-idctl load-floor-plan: registers a store floor plan (YAML, as in
// internal/config/demo-store.yaml) through the Admin API and writes one QR
// PNG per table. Safe to re-run: what is already registered is skipped.

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "command.h"
#include "grpc_channel.h"
#include "infrastructure/floorplan/floor_plan_file.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
constexpr std::string_view kName = "load-floor-plan";

void print_help() {
  std::cout << R"(Usage: customer-idctl load-floor-plan FILE --token ADMIN_JWT [options]

Registers the stores, zones and beacons of a YAML floor plan through the Admin
API (see internal/config/demo-store.yaml), then issues a signed QR code for
every table and writes it to DIR/<store>-<zone>.png. Anything already
registered is reported and left as it is, so the command can be re-run.

Options:
  --token JWT        admin bearer token (customer-idctl token --customer ops --role admin)
  --out-dir DIR      where to write the QR PNGs (default qr/)
  --server ADDR      host:port (default localhost:50443)
  --ca PATH          CA certificate to trust (default internal/config/keys/dev/ca.crt)
  --plaintext true   no TLS (only for a server configured with grpc.tls: false)
  -h, --help         show this help
)";
}

// parse_options takes only options; pull the one positional FILE out first.
struct SplitArguments {
  std::vector<char*> options;  // argv[0] and the options
  std::vector<std::string> positional;
};

SplitArguments split_arguments(int argc, char** argv) {
  SplitArguments split;
  split.options.push_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!arg.starts_with("-")) {
      split.positional.emplace_back(arg);
      continue;
    }
    split.options.push_back(argv[i]);
    const bool takes_value = arg.starts_with("--") && arg != "--help" && arg.find('=') == std::string_view::npos;
    if (takes_value && i + 1 < argc) split.options.push_back(argv[++i]);
  }
  return split;
}

enum class Outcome { kDone, kAlreadyThere, kFailed };

// Runs one Admin call and prints a line for it (on success, only when given a
// `done_word`). ALREADY_EXISTS counts as success: it is what a re-run finds.
class Loader {
 public:
  Loader(std::unique_ptr<v1::Admin::Stub> stub, std::string token) : stub_(std::move(stub)), token_(std::move(token)) {}

  Outcome call(const std::string& what, const std::string& done_word,
               const std::function<grpc::Status(v1::Admin::Stub&, grpc::ClientContext&)>& rpc) {
    grpc::ClientContext context;
    prepare_call(context, token_);
    const grpc::Status status = rpc(*stub_, context);
    if (status.ok()) {
      if (!done_word.empty()) std::cout << what << ": " << done_word << "\n";
      return Outcome::kDone;
    }
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      std::cout << what << ": already there\n";
      return Outcome::kAlreadyThere;
    }
    std::cout << what << ": FAILED " << status.error_code() << " " << status.error_message() << "\n";
    ++failures_;
    return Outcome::kFailed;
  }

  void fail(const std::string& what, const std::string& why) {
    std::cout << what << ": FAILED " << why << "\n";
    ++failures_;
  }

  int failures() const { return failures_; }

 private:
  std::unique_ptr<v1::Admin::Stub> stub_;
  std::string token_;
  int failures_ = 0;
};

v1::ZoneKind to_proto(domain::ZoneKind kind) { return kind == domain::ZoneKind::kEntrance ? v1::ENTRANCE : v1::TABLE; }

bool write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(file);
}

void load_store(Loader& loader, const domain::FloorPlan& plan, const domain::Store& store,
                const std::filesystem::path& out_dir) {
  v1::CreateStoreRequest create;
  create.set_store_id(store.id);
  create.set_name(store.name);
  const Outcome created = loader.call("store " + store.id, "created", [&](auto& stub, auto& context) {
    v1::CreateStoreResponse response;
    return stub.CreateStore(&context, create, &response);
  });
  // Its zones, beacons and codes could only fail the same way.
  if (created == Outcome::kFailed) return;

  for (const domain::Zone& zone : store.zones) {
    v1::AddZoneRequest add;
    add.set_store_id(store.id);
    add.set_zone_id(zone.id);
    add.set_kind(to_proto(zone.kind));
    add.set_label(zone.label);
    loader.call("zone " + store.id + "/" + zone.id, "added", [&](auto& stub, auto& context) {
      v1::AddZoneResponse response;
      return stub.AddZone(&context, add, &response);
    });
  }

  for (const domain::Beacon& beacon : plan.beacons()) {
    if (beacon.store_id != store.id) continue;
    v1::RegisterBeaconRequest reg;
    reg.set_uuid(beacon.key.uuid.to_string());
    reg.set_major(beacon.key.major);
    reg.set_minor(beacon.key.minor);
    reg.set_store_id(beacon.store_id);
    reg.set_zone_id(beacon.zone_id);
    reg.set_tx_power(beacon.tx_power_1m);
    reg.set_calibration_offset_db(beacon.calibration_offset_db);
    loader.call("beacon " + beacon.key.to_string() + " -> " + store.id + "/" + beacon.zone_id, "registered",
                [&](auto& stub, auto& context) {
                  v1::RegisterBeaconResponse response;
                  return stub.RegisterBeacon(&context, reg, &response);
                });
  }

  for (const domain::Zone& zone : store.zones) {
    if (zone.kind != domain::ZoneKind::kTable) continue;
    const std::string what = "qr " + store.id + "/" + zone.id;
    // Ids are [A-Za-z0-9_-] on the server, so the name cannot escape the directory.
    const std::filesystem::path path = out_dir / (store.id + "-" + zone.id + ".png");
    v1::IssueTableQrRequest issue;
    issue.set_store_id(store.id);
    issue.set_zone_id(zone.id);
    v1::IssueTableQrResponse qr;
    const Outcome issued =
        loader.call(what, "", [&](auto& stub, auto& context) { return stub.IssueTableQr(&context, issue, &qr); });
    if (issued != Outcome::kDone) continue;
    if (!write_file(path, qr.png())) {
      loader.fail(what, "cannot write " + path.string());
      continue;
    }
    std::cout << what << ": wrote " << path.string() << " (" << qr.png().size() << " bytes)\n";
  }
}

int run_load_floor_plan(int argc, char** argv) {
  SplitArguments split = split_arguments(argc, argv);
  auto options = parse_options(static_cast<int>(split.options.size()), split.options.data(),
                               {"token", "out-dir", "server", "ca", "plaintext"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    print_help();
    return kExitOk;
  }
  if (split.positional.size() != 1) return usage_error(kName, "give exactly one floor plan FILE");
  if (!options->has("token")) {
    return usage_error(kName, "--token is required (customer-idctl token --customer ops --role admin)");
  }

  // Checked locally first: a broken file should not half-register a store.
  auto plan = infrastructure::load_floor_plan(split.positional.front());
  if (!plan) {
    std::cerr << "customer-idctl load-floor-plan: " << plan.error().message << "\n";
    return kExitFailure;
  }
  const std::filesystem::path out_dir = options->get("out-dir", "qr");
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    std::cerr << "customer-idctl load-floor-plan: cannot create " << out_dir.string() << ": " << error.message()
              << "\n";
    return kExitFailure;
  }
  auto channel = open_channel(*options);
  if (!channel) {
    std::cerr << "customer-idctl load-floor-plan: " << channel.error() << "\n";
    return kExitFailure;
  }

  Loader loader(v1::Admin::NewStub(*channel), options->get("token"));
  for (const domain::Store& store : plan->stores()) load_store(loader, *plan, store, out_dir);
  if (loader.failures() > 0) {
    std::cerr << "customer-idctl load-floor-plan: " << loader.failures() << " item(s) failed\n";
    return kExitFailure;
  }
  return kExitOk;
}

const CommandRegistration kRegistration{
    Command{kName, "register a YAML floor plan through the Admin API and write table QR PNGs", &run_load_floor_plan}};

}  // namespace
}  // namespace tastesync::ctl
