#pragma once

// Starts the real `customer-id` binary for the load generators and the fault
// suite: a temporary config (TLS on, dev keys, bench mode, quiet logging),
// 127.0.0.1 port 0, the bound ports read back from --port-file. Used by
// bench/ and tests/chaos/ (target cid_server_process); the integration tests
// have their own gtest-flavoured fixture.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

namespace tastesync::bench {

std::filesystem::path source_dir();
std::filesystem::path dev_keys_dir();
std::string read_text(const std::filesystem::path& path);
// True once SIGINT or SIGTERM arrived (handlers installed by ServerProcess::start).
bool interrupted();

struct ServerOptions {
  // Empty: the customer-id this build made.
  std::string binary;
  // Empty: the server gets a PostgreSQL / Redis of its own (started by the
  // project's scripts in its temporary directory, stopped with it).
  std::string postgres_url;
  std::string redis_url;
  // Empty: no Kafka (events stay in the outbox).
  std::string kafka_brokers;
  // CUSTOMER_ID_* overrides (or anything else) added to the server's
  // environment, e.g. {"CUSTOMER_ID_LOGGING_LEVEL", "info"}.
  std::map<std::string, std::string> environment;
};

class ServerProcess {
 public:
  ServerProcess() = default;
  // Stops the server (if still running) and removes the temporary directory,
  // so every exit path out of main() cleans up.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Returns an empty string on success, else what went wrong (with the log).
  // With `kafka_brokers`, the server relays its outbox to that Kafka.
  std::string start(const std::string& kafka_brokers = "");
  std::string start(const ServerOptions& options);
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
  std::string log() const { return read_text(log_file()); }
  // Every start appends to the same log.
  std::filesystem::path log_file() const { return work_dir_ / "server.log"; }
  const std::string& postgres_url() const { return postgres_url_; }

  // Runs scripts/<arguments>; returns the last line it printed, empty on
  // failure (e.g. "postgres.sh start DIR" prints the URL).
  static std::string run_script(const std::string& arguments);

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
  bool own_postgres_ = false;
  bool own_redis_ = false;
};

}  // namespace tastesync::bench
