#pragma once

// Starts the real `customer-id` binary for the load generator: a temporary
// config (TLS on, dev keys, bench mode, quiet logging), 127.0.0.1 port 0, the
// bound port read back from --port-file. The bench is not linked with the
// test fixture, so this is its own small copy of that logic.

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace tastesync::bench {

std::filesystem::path source_dir();
std::filesystem::path dev_keys_dir();
std::string read_text(const std::filesystem::path& path);
// True once SIGINT or SIGTERM arrived (handlers installed by ServerProcess::start).
bool interrupted();

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
  // SIGTERM, then waitpid; SIGKILL after 10 s. Returns the exit code, or -1
  // when the server had to be killed or was not running.
  int stop();

  int port() const { return port_; }
  int http_port() const { return http_port_; }  // the HTTPS/JSON gateway
  pid_t pid() const { return pid_; }
  std::string log() const { return read_text(work_dir_ / "server.log"); }
  const std::string& postgres_url() const { return postgres_url_; }

 private:
  std::filesystem::path work_dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  int http_port_ = 0;
  // Runs scripts/<arguments>; returns the last line it printed, empty on failure.
  static std::string run_script(const std::string& arguments);

  std::string postgres_url_;
  std::string redis_url_;
};

}  // namespace tastesync::bench
