// customer-idctl load-floor-plan: registers a store floor plan (YAML, as in
// internal/config/demo-store.yaml) through the Admin API and writes one QR
// PNG per table. Safe to re-run: what is already registered is skipped.

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "command.h"
#include "grpc_channel.h"
#include "infrastructure/floorplan/floor_plan_file.h"
#include "infrastructure/grpc/admin_proto_mapping.h"

namespace tastesync::ctl {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
constexpr std::string_view kName = "load-floor-plan";

struct LoadOptions {
  std::string file;
  std::string token;
  std::string out_dir = "qr";
  ServerConnection connection;
};

enum class Outcome { kDone, kAlreadyThere, kFailed };

// Runs one Admin call and prints a line for it (on success, only when given a
// `done_word`). ALREADY_EXISTS counts as success: it is what a re-run finds.
class Loader {
 public:
  Loader(std::unique_ptr<v1::Admin::Stub> stub, std::string token, const ServerConnection& connection)
      : stub_(std::move(stub)), token_(std::move(token)), connection_(connection) {}

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
    std::cout << what << ": FAILED " << describe_failure(status, connection_) << "\n";
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
  const ServerConnection& connection_;
  int failures_ = 0;
};

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
    const std::string what = "zone " + store.id + "/" + zone.id;
    v1::AddZoneRequest add;
    infrastructure::grpc_adapter::to_proto(zone, add);
    const Outcome added = loader.call(what, "added", [&](auto& stub, auto& context) {
      v1::AddZoneResponse response;
      return stub.AddZone(&context, add, &response);
    });
    // A zone the store has (a re-run, or a store made before positions):
    // the layout and position the file gives replace the stored ones, as the
    // server's own floor_plan.file does; its label and kind stay.
    v1::UpdateZoneRequest update;
    if (added != Outcome::kAlreadyThere || !infrastructure::grpc_adapter::to_proto(zone, update)) continue;
    loader.call(what, "layout and position updated", [&](auto& stub, auto& context) {
      v1::UpdateZoneResponse response;
      return stub.UpdateZone(&context, update, &response);
    });
  }

  for (const domain::Beacon& beacon : plan.store_beacons(store.id)) {
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

int run_load_floor_plan(const LoadOptions& options) {
  // Checked locally first: a broken file should not half-register a store.
  auto plan = infrastructure::load_floor_plan(options.file);
  if (!plan) {
    std::cerr << "customer-idctl load-floor-plan: " << plan.error().message << "\n";
    return kExitFailure;
  }
  const std::filesystem::path out_dir = options.out_dir;
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    std::cerr << "customer-idctl load-floor-plan: cannot create " << out_dir.string() << ": " << error.message()
              << "\n";
    return kExitFailure;
  }
  auto channel = open_channel(options.connection);
  if (!channel) {
    std::cerr << "customer-idctl load-floor-plan: " << channel.error() << "\n";
    return kExitFailure;
  }

  Loader loader(v1::Admin::NewStub(*channel), options.token, options.connection);
  for (const domain::Store& store : plan->stores()) load_store(loader, *plan, store, out_dir);
  if (loader.failures() > 0) {
    std::cerr << "customer-idctl load-floor-plan: " << loader.failures() << " item(s) failed\n";
    return kExitFailure;
  }
  return kExitOk;
}

Runner declare_load_floor_plan(CLI::App& command) {
  auto options = std::make_shared<LoadOptions>();
  command.footer(
      "Registers the stores, zones and beacons of a YAML floor plan through the Admin API\n"
      "(see internal/config/demo-store.yaml), then issues a signed QR code for every table and\n"
      "writes it to DIR/<store>-<zone>.png. Anything already registered is reported and left as\n"
      "it is, so the command can be re-run.");
  command.add_option("FILE", options->file, "the floor plan, YAML")->required();
  command
      .add_option("--token", options->token, "admin bearer token (customer-idctl token --customer ops --role admin)")
      ->required();
  command.add_option("--out-dir", options->out_dir, "where to write the QR PNGs")->capture_default_str();
  add_server_options(command, options->connection);
  return [options] { return run_load_floor_plan(*options); };
}

const CommandRegistration kRegistration{Command{
    kName, "register a YAML floor plan through the Admin API and write table QR PNGs", &declare_load_floor_plan}};

}  // namespace
}  // namespace tastesync::ctl
