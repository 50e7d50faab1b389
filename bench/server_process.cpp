#include "server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace tastesync::bench {
namespace {

// Read by the signal handler: an interrupted bench (Ctrl-C, timeout) must not
// leave a server behind.
volatile std::sig_atomic_t g_server_pid = 0;
volatile std::sig_atomic_t g_interrupted = 0;

// The first signal asks the bench to wind down, so main() still stops the
// server and removes the temporary directory; a second one stops the server
// and dies at once.
extern "C" void on_stop_signal(int signal_number) {
  if (g_interrupted == 0) {
    g_interrupted = 1;
    return;
  }
  if (g_server_pid > 0) kill(static_cast<pid_t>(g_server_pid), SIGTERM);
  std::signal(signal_number, SIG_DFL);
  raise(signal_number);
}

}  // namespace

bool interrupted() { return g_interrupted != 0; }

std::filesystem::path source_dir() { return CID_SOURCE_DIR; }
std::filesystem::path dev_keys_dir() { return source_dir() / "internal/config/keys/dev"; }

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string ServerProcess::run_script(const std::string& arguments) {
  const std::string command = (source_dir() / "scripts").string() + "/" + arguments + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  if (pclose(pipe) != 0) return {};
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output.substr(output.rfind('\n') == std::string::npos ? 0 : output.rfind('\n') + 1);
}

std::string ServerProcess::start(const std::string& kafka_brokers) {
  const std::string keys_command = (source_dir() / "scripts/keys.sh").string() + " >/dev/null";
  if (std::system(keys_command.c_str()) != 0) return "scripts/keys.sh failed";

  std::string pattern = (std::filesystem::temp_directory_path() / "customer-id-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return "cannot create a temporary directory";
  work_dir_ = pattern;
  // The real dependencies in the path: PostgreSQL and Redis of the bench's
  // own, started by the project's scripts (PostgreSQL runs as its own user,
  // so the directory must be traversable).
  std::filesystem::permissions(work_dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                              std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                              std::filesystem::perms::others_exec);
  postgres_url_ = run_script("postgres.sh start " + (work_dir_ / "postgres").string());
  if (postgres_url_.empty()) return "scripts/postgres.sh start failed";
  redis_url_ = run_script("redis.sh start " + (work_dir_ / "redis").string());
  if (redis_url_.empty()) return "scripts/redis.sh start failed";

  // Production-like: TLS on. Logging at warn, so per-request info lines
  // ("identify.moved", "event.published") don't dominate what is measured.
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
      << "\nlogging:\n  level: warn\nbench:\n  baseline_service: true\n"
      // The load generator is one client playing many customers far faster
      // than phones report: abuse limits would measure themselves.
      << "rate_limit:\n  customer_per_second: 0\n  device_per_second: 0\n  scanner_per_second: 0\n"
      << "http:\n  listen: 127.0.0.1:0\n"
      << (kafka_brokers.empty() ? std::string{} : "kafka:\n  brokers: " + kafka_brokers + "\n");

  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls are allowed.
  std::string binary = CID_SERVER_BINARY;
  std::string config = (work_dir_ / "config.yaml").string();
  std::string port_file = (work_dir_ / "port").string();
  const std::string log_file = (work_dir_ / "server.log").string();
  std::string config_flag = "--config", port_flag = "--port-file";
  char* argv[] = {binary.data(), config_flag.data(), config.data(), port_flag.data(), port_file.data(), nullptr};
  const pid_t parent = getpid();

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  pid_ = fork();
  if (pid_ < 0) return "fork failed";
  if (pid_ == 0) {
    // fork + exec rather than posix_spawn: PR_SET_PDEATHSIG stops the server
    // even when the bench dies by SIGKILL or a crash.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    const int log_fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      close(log_fd);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  g_server_pid = pid_;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(port_file)) {
      std::istringstream ports(read_text(port_file));
      ports >> port_ >> http_port_;
      return port_ > 0 ? "" : "bad port file";
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      g_server_pid = 0;
      return "server exited during start:\n" + log();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "server did not start within 30 s:\n" + log();
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  int code = -1;
  bool exited = false;
  for (int i = 0; i < 200 && !exited; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited = true;
      code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  g_server_pid = 0;
  return code;
}

ServerProcess::~ServerProcess() {
  stop();
  if (!work_dir_.empty()) {
    // By the PIDs the scripts recorded.
    if (!redis_url_.empty()) (void)run_script("redis.sh stop " + (work_dir_ / "redis").string());
    if (!postgres_url_.empty()) (void)run_script("postgres.sh stop " + (work_dir_ / "postgres").string());
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }
}

}  // namespace tastesync::bench
