// customer-id: parses the command line and hands over to the composition
// root (internal/service/server_app.cpp).

#include <csignal>
#include <iostream>
#include <string_view>

#include "infrastructure/grpc/tls_config.h"
#include "service/server_app.h"

namespace {

constexpr const char* kUsage =
    "usage: customer-id [--config PATH] [--port-file PATH] [--migrate]\n"
    "       customer-id --version\n"
    "  --config PATH     configuration file (default internal/config/config.yaml)\n"
    "  --port-file PATH  write the bound gRPC port there once serving (for tests and scripts)\n"
    "  --migrate         apply the database migrations and exit\n";

// Blocks SIGINT/SIGTERM in every thread (call before any thread starts), so
// the server can wait for them with sigwait.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask.
  const sigset_t shutdown_signals = block_shutdown_signals();
  tastesync::infrastructure::grpc_adapter::restrict_tls_to_1_3();

  tastesync::service::ServerArguments args;
  args.version = CID_VERSION;
  args.revision = CID_REVISION;
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
    if (arg == "--migrate") {
      args.migrate_only = true;
      continue;
    }
    if ((arg == "--config" || arg == "--port-file") && i + 1 < argc) {
      (arg == "--config" ? args.config_path : args.port_file) = argv[++i];
      continue;
    }
    std::cerr << "customer-id: unexpected argument '" << arg << "'\n" << kUsage;
    return 2;
  }
  return tastesync::service::run_server(args, shutdown_signals);
}
