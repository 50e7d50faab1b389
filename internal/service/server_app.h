#pragma once

#include <csignal>
#include <string>

namespace tastesync::service {

struct ServerArguments {
  std::string config_path = "internal/config/config.yaml";
  std::string port_file;  // written once serving: line 1 the gRPC port, line 2 the HTTPS port
  bool migrate_only = false;
  std::string version;  // for the "serving" log line
  std::string revision;
};

// Starts everything the configuration names, serves until one of
// `shutdown_signals` arrives (they must be blocked in every thread), drains,
// and returns the process's exit code.
int run_server(const ServerArguments& args, const sigset_t& shutdown_signals);

}  // namespace tastesync::service
