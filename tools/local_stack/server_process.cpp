#include "local_stack/server_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "local_stack/child_process.h"
#include "local_stack/local_stack.h"
#include "local_stack/project_files.h"

namespace tastesync::local_stack {
namespace {

// Read by the signal handler: an interrupted bench (Ctrl-C, timeout) must not
// leave a server behind. One slot per running server (the fault suite runs
// several at once).
std::array<volatile std::sig_atomic_t, 8> g_server_pids{};
volatile std::sig_atomic_t g_interrupted = 0;

void remember_pid(pid_t pid) {
  for (auto& slot : g_server_pids) {
    if (slot == 0) {
      slot = pid;
      return;
    }
  }
}

void forget_pid(pid_t pid) {
  for (auto& slot : g_server_pids) {
    if (slot == pid) slot = 0;
  }
}

// The first signal asks the program to wind down, so it still stops the
// servers and removes the temporary directories; a second one stops the
// servers and dies at once.
extern "C" void on_stop_signal(int signal_number) {
  if (g_interrupted == 0) {
    g_interrupted = 1;
    return;
  }
  for (const auto& slot : g_server_pids) {
    if (slot > 0) kill(static_cast<pid_t>(slot), SIGTERM);
  }
  std::signal(signal_number, SIG_DFL);
  raise(signal_number);
}

}  // namespace

bool interrupted() { return g_interrupted != 0; }

std::string load_test_config() {
  return "bench:\n  baseline_service: true\n"
         "rate_limit:\n  customer_per_second: 0\n  device_per_second: 0\n  scanner_per_second: 0\n";
}

ServerProcess::ServerProcess() = default;

std::string ServerProcess::start(const ServerOptions& options) {
  options_ = options;
  if (!ensure_dev_keys()) return "scripts/keys.sh failed";
  try {
    work_dir_ = make_server_dir("server");
    postgres_url_ = options.postgres_url;
    redis_url_ = options.redis_url;
    if (postgres_url_.empty() || redis_url_.empty()) {
      // The real dependencies in the path, the server's own.
      own_servers_ = std::make_unique<LocalStack>(
          "server-data", StackParts{.postgres = postgres_url_.empty(), .redis = redis_url_.empty(), .kafka = false});
      if (postgres_url_.empty()) postgres_url_ = own_servers_->postgres_url();
      if (redis_url_.empty()) redis_url_ = own_servers_->redis_url();
    }
  } catch (const std::runtime_error& error) {
    return error.what();
  }

  const auto keys = dev_keys_dir();
  std::ofstream(work_dir_ / "config.yaml")
      << "grpc:\n  listen: 127.0.0.1:0\n  tls: true\n"
      << "  cert_file: " << (keys / "server.crt").string() << "\n  key_file: " << (keys / "server.key").string()
      << "\nauth:\n  public_keys: dev-1=" << (keys / "jwt-dev-1.pub").string()
      << "\ntable_qr:\n  active_key_id: qr-dev-1\n  secrets: qr-dev-1=" << (keys / "qr-dev-1.secret").string()
      << "\nfloor_plan:\n  file: " << (source_dir() / "internal/config/demo-store.yaml").string()
      << "\npostgres:\n  url: " << postgres_url_ << "\n  migrations_dir: " << (source_dir() / "migrations").string()
      << "\nredis:\n  url: " << redis_url_
      << "\npii:\n  active_key_id: pii-dev-1\n  keys: pii-dev-1=" << (keys / "pii-dev-1.key").string()
      << "\ncustomer_code:\n  active_key_id: cc-dev-1\n  secrets: cc-dev-1=" << (keys / "cc-dev-1.secret").string()
      << "\nlogging:\n  level: " << options.logging_level << "\n"
      << (options.kafka_brokers.empty() ? std::string{} : "kafka:\n  brokers: " + options.kafka_brokers + "\n")
      << "http:\n  listen: 127.0.0.1:0\n"
      << options.http_config << options.extra_config;
  std::filesystem::remove(log_file());
  return launch({});
}

std::string ServerProcess::restart(const std::map<std::string, std::string>& environment) {
  if (work_dir_.empty()) return "restart before start";
  if (pid_ > 0) return "restart while running";
  std::map<std::string, std::string> extra = environment;
  // The same ports again: configuration from the environment overrides the file.
  extra["CUSTOMER_ID_GRPC_LISTEN"] = "127.0.0.1:" + std::to_string(port_);
  extra["CUSTOMER_ID_HTTP_LISTEN"] = "127.0.0.1:" + std::to_string(http_port_);
  return launch(extra);
}

std::string ServerProcess::launch(const std::map<std::string, std::string>& extra_environment) {
  std::map<std::string, std::string> environment = options_.environment;
  for (const auto& [name, value] : extra_environment) environment[name] = value;
  const std::string binary = options_.binary.empty() ? std::string(CID_SERVER_BINARY) : options_.binary;
  const std::filesystem::path port_file = work_dir_ / "port";
  std::filesystem::remove(port_file);

  if (options_.wind_down_on_interrupt) {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
  }
  pid_ = spawn_child({binary, "--config", (work_dir_ / "config.yaml").string(), "--port-file", port_file.string()},
                     environment, log_file());
  if (pid_ <= 0) {
    pid_ = -1;
    return "cannot start " + binary;
  }
  remember_pid(pid_);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(port_file)) {
      std::istringstream ports(read_text(port_file));
      ports >> port_ >> http_port_;
      return port_ > 0 ? "" : "bad port file";
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      forget_child();
      return "server exited during start:\n" + log();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "server did not start within 30 s:\n" + log();
}

std::string ServerProcess::log() const { return read_text(log_file()); }

void ServerProcess::forget_child() {
  forget_pid(pid_);
  pid_ = -1;
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  const int code = stop_child(pid_);
  forget_child();
  return code;
}

void ServerProcess::signal(int signal_number) const {
  if (pid_ > 0) kill(pid_, signal_number);
}

void ServerProcess::kill_now() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  forget_child();
}

bool ServerProcess::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  forget_child();
  return true;
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  forget_child();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ServerProcess::~ServerProcess() {
  stop();
  own_servers_.reset();  // by the PIDs the scripts recorded
  if (!work_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }
}

}  // namespace tastesync::local_stack
