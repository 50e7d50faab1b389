#pragma once

// Starts the real `customer-id` binary: a temporary config (TLS on with the
// dev keys, the demo store), 127.0.0.1 port 0 for gRPC and HTTPS, the bound
// ports read back from --port-file; stopped by its PID. The integration tests
// (through their fixture, integration/server_fixture.h), the fault suite and
// the benches all start servers with it.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace tastesync::local_stack {

class LocalStack;

// True once SIGINT or SIGTERM arrived (handlers installed by a
// ServerProcess::start with wind_down_on_interrupt).
bool interrupted();

// The lines a load generator's server needs: the empty Noop handler beside
// Identify (bench.baseline_service), and no abuse limits: one client playing
// many customers far faster than phones report would measure the limits.
std::string load_test_config();

struct ServerOptions {
  // Empty: the customer-id this build made.
  std::string binary{};
  // Empty: the server gets a PostgreSQL / Redis of its own (a LocalStack in
  // its temporary directory, stopped with it).
  std::string postgres_url{};
  std::string redis_url{};
  // Empty: no Kafka (events stay in the outbox).
  std::string kafka_brokers{};
  // CUSTOMER_ID_* overrides (or anything else) added to the server's
  // environment, e.g. {"CUSTOMER_ID_LOGGING_LEVEL", "info"}.
  std::map<std::string, std::string> environment{};
  // warn: per-request info lines ("identify.moved") would dominate what a
  // bench measures; tests read them (info).
  std::string logging_level = "warn";
  // Extra lines of the `http:` group (e.g. "  max_body_bytes: 2048\n"); listen
  // is already set to a free port.
  std::string http_config{};
  // Extra config.yaml groups (e.g. load_test_config()).
  std::string extra_config{};
  // The first SIGINT/SIGTERM of this process only sets interrupted(), so a
  // bench or the fault suite winds down and still stops its servers; a second
  // stops the servers and dies. Off: the process's signal handling is left
  // alone (a test run ends at Ctrl-C; its servers follow by PDEATHSIG).
  bool wind_down_on_interrupt = true;
};

class ServerProcess {
 public:
  ServerProcess();
  // Stops the server (if still running), its own PostgreSQL / Redis, and
  // removes the temporary directory, so every exit path cleans up.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Returns an empty string on success, else what went wrong (with the log).
  std::string start(const ServerOptions& options = {});
  // Starts the server again after it stopped (or was killed), with the same
  // options plus `environment`, on the same gRPC and HTTPS ports, so clients'
  // channels reconnect to it.
  std::string restart(const std::map<std::string, std::string>& environment = {});
  // SIGTERM, then waitpid; SIGKILL after 10 s. Returns the exit code, or -1
  // when the server had to be killed or was not running.
  int stop();
  // Sends `signal_number` to the server, if it runs.
  void signal(int signal_number) const;
  // SIGKILL and waitpid.
  void kill_now();
  // Reaps the server if it exited by itself (a crash, a drain that ended):
  // true when it is no longer running.
  bool exited();
  // Waits up to `timeout` for the server to exit by itself; the exit code, or
  // -1 (killed by a signal, still running: then nothing was done).
  int wait_exit(std::chrono::milliseconds timeout);

  int port() const { return port_; }
  int http_port() const { return http_port_; }  // the HTTPS/JSON gateway
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Its config.yaml, port file and log; removed with the server.
  const std::filesystem::path& work_dir() const { return work_dir_; }
  std::string log() const;
  // Every start appends to the same log.
  std::filesystem::path log_file() const { return work_dir_ / "server.log"; }
  const std::string& postgres_url() const { return postgres_url_; }

 private:
  std::string launch(const std::map<std::string, std::string>& extra_environment);
  void forget_child();

  std::filesystem::path work_dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  int http_port_ = 0;

  ServerOptions options_;
  std::string postgres_url_;
  std::string redis_url_;
  std::unique_ptr<LocalStack> own_servers_;  // when the caller brought no URLs
};

}  // namespace tastesync::local_stack
