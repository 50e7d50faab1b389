// Composition root: config -> adapters -> use cases -> servers.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "application/use_cases/identify_customer_use_case.h"
#include "auth/jwt_verifier.h"
#include "auth/key_files.h"
#include "config/config.h"
#include "infrastructure/crypto/table_qr_codec.h"
#include "infrastructure/floorplan/floor_plan_file.h"
#include "infrastructure/grpc/grpc_server.h"
#include "infrastructure/grpc/identification_service.h"
#include "infrastructure/logging/json_log.h"
#include "infrastructure/memory/in_memory_stores.h"
#include "infrastructure/memory/system_clock.h"

namespace {

using namespace tastesync;
namespace log = infrastructure::log;

constexpr const char* kUsage =
    "usage: customer-id [--config PATH] [--port-file PATH]\n"
    "       customer-id --version\n"
    "  --config PATH     configuration file (default internal/config/config.yaml)\n"
    "  --port-file PATH  write the bound gRPC port there once serving (for tests and scripts)\n";

struct Arguments {
  std::string config_path = "internal/config/config.yaml";
  std::string port_file;
};

int fail_start(const std::string& what, const domain::Error& error) {
  log::error("start.failed", {{"step", what}, {"reason", error.message}, {"key", error.field}});
  std::cerr << "customer-id: " << what << ": " << error.message << '\n';
  return 1;
}

domain::Result<auth::JwtKeySet> read_public_keys(const std::vector<config::KeyFile>& files) {
  auth::JwtKeySet keys;
  for (const auto& file : files) {
    auto pem = auth::read_key_file(file.path);
    if (!pem) return std::unexpected(pem.error());
    keys[file.key_id] = *pem;
  }
  return keys;
}

domain::Result<infrastructure::TableQrKeySet> read_qr_secrets(const std::vector<config::KeyFile>& files) {
  infrastructure::TableQrKeySet secrets;
  for (const auto& file : files) {
    auto secret = auth::read_hex_secret_file(file.path, 32);
    if (!secret) return std::unexpected(secret.error());
    secrets[file.key_id] = *secret;
  }
  return secrets;
}

// Blocks SIGINT/SIGTERM in every thread (call before any thread starts), so
// the main thread can wait for them with sigwait.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int serve(const Arguments& args) {
  auto cfg = config::load_config(args.config_path, config::process_environment());
  if (!cfg) return fail_start("configuration " + args.config_path, cfg.error());
  if (!log::init(cfg->log_level)) return fail_start("logging", {domain::ErrorCode::kInvalidArgument, "bad level", "logging.level"});

  auto plan = infrastructure::load_floor_plan(cfg->floor_plan_file);
  if (!plan) return fail_start("floor plan", plan.error());
  const std::size_t store_count = plan->stores().size();
  const std::size_t beacon_count = plan->beacons().size();

  infrastructure::SystemClock clock;
  auto public_keys = read_public_keys(cfg->auth.public_keys);
  if (!public_keys) return fail_start("auth.public_keys", public_keys.error());
  auto verifier = auth::JwtVerifier::create(std::move(*public_keys), cfg->auth.issuer, cfg->auth.audience,
                                            cfg->auth.clock_skew, clock, cfg->auth.token_cache_capacity);
  if (!verifier) return fail_start("auth", verifier.error());
  auto qr_secrets = read_qr_secrets(cfg->table_qr.secrets);
  if (!qr_secrets) return fail_start("table_qr.secrets", qr_secrets.error());
  auto table_qr = infrastructure::HmacTableQrCodec::create(std::move(*qr_secrets), cfg->table_qr.active_key_id);
  if (!table_qr) return fail_start("table_qr", table_qr.error());

  infrastructure::InMemoryBeaconRegistry registry(std::move(*plan));
  infrastructure::InMemoryPresenceStore presence;
  infrastructure::InMemoryVisitLedger ledger;
  infrastructure::InMemoryEventPublisher events([](const domain::DomainEvent& event) {
    log::info("event.published", {{"event_id", event.event_id},
                                  {"type", domain::to_string(event.type)},
                                  {"customer_id", event.customer_id},
                                  {"store_id", event.store_id},
                                  {"zone_id", event.zone_id}});
  });
  infrastructure::InMemoryIdempotencyStore idempotency(cfg->idempotency_capacity, cfg->idempotency_ttl, clock);
  infrastructure::UuidV7Generator ids;
  application::IdentifyCustomerUseCase identify(
      application::IdentifyDependencies{registry, presence, ledger, events, idempotency, **table_qr, clock, ids},
      cfg->resolver, cfg->identify);

  infrastructure::grpc_adapter::IdentificationGrpcService identification(identify, **verifier);
  infrastructure::grpc_adapter::BaselineGrpcService baseline(**verifier);
  std::vector<grpc::Service*> services{&identification};
  if (cfg->bench_baseline) services.push_back(&baseline);

  infrastructure::grpc_adapter::GrpcServerOptions options;
  options.listen = cfg->grpc.listen;
  options.tls = cfg->grpc.tls;
  options.max_message_bytes = static_cast<int>(cfg->grpc.max_message_bytes);
  if (options.tls) {
    auto cert = auth::read_key_file(cfg->grpc.cert_file);
    if (!cert) return fail_start("grpc.cert_file", cert.error());
    auto key = auth::read_key_file(cfg->grpc.key_file);
    if (!key) return fail_start("grpc.key_file", key.error());
    options.cert_pem = *cert;
    options.key_pem = *key;
  }
  auto running = infrastructure::grpc_adapter::start_grpc_server(options, services);
  if (!running) return fail_start("grpc", running.error());

  log::info("serving", {{"grpc_port", running->port},
                        {"tls", options.tls},
                        {"stores", store_count},
                        {"beacons", beacon_count},
                        {"version", CID_VERSION},
                        {"revision", CID_REVISION}});
  if (!args.port_file.empty()) {
    // Written to a temporary name and renamed, so a reader never sees half.
    const std::string temporary = args.port_file + ".tmp";
    std::ofstream(temporary) << running->port << '\n';
    std::rename(temporary.c_str(), args.port_file.c_str());
  }

  const sigset_t signals = block_shutdown_signals();
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log::info("stopping", {{"signal", signal_number}});
  running->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  running->server->Wait();
  log::info("stopped", {{"transitions_recorded", ledger.size()}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so every gRPC thread inherits the mask.
  block_shutdown_signals();
  tastesync::infrastructure::grpc_adapter::restrict_tls_to_1_3();

  Arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--version") {
      std::cout << "customer-id " << CID_VERSION << " (" << CID_REVISION << ")\n";
      return 0;
    }
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if ((arg == "--config" || arg == "--port-file") && i + 1 < argc) {
      (arg == "--config" ? args.config_path : args.port_file) = argv[++i];
      continue;
    }
    std::cerr << "customer-id: unexpected argument '" << arg << "'\n" << kUsage;
    return 2;
  }
  return serve(args);
}
