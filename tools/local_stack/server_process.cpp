#include "server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace tastesync::bench {
namespace {

// Read by the signal handler: an interrupted bench (Ctrl-C, timeout) must not
// leave a server behind. One slot per running server (the fault suite runs
// two at once).
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

// The first signal asks the bench to wind down, so main() still stops the
// server and removes the temporary directory; a second one stops the servers
// and dies at once.
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
  ServerOptions options;
  options.kafka_brokers = kafka_brokers;
  return start(options);
}

std::string ServerProcess::start(const ServerOptions& options) {
  options_ = options;
  const std::string keys_command = (source_dir() / "scripts/keys.sh").string() + " >/dev/null";
  if (std::system(keys_command.c_str()) != 0) return "scripts/keys.sh failed";

  std::string pattern = (std::filesystem::temp_directory_path() / "customer-id-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return "cannot create a temporary directory";
  work_dir_ = pattern;
  // The real dependencies in the path: PostgreSQL and Redis of the bench's
  // own, started by the project's scripts (PostgreSQL runs as its own user,
  // so the directory must be traversable), unless the caller brings them.
  std::filesystem::permissions(work_dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                              std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                              std::filesystem::perms::others_exec);
  postgres_url_ = options.postgres_url;
  if (postgres_url_.empty()) {
    postgres_url_ = run_script("postgres.sh start " + (work_dir_ / "postgres").string());
    if (postgres_url_.empty()) return "scripts/postgres.sh start failed";
    own_postgres_ = true;
  }
  redis_url_ = options.redis_url;
  if (redis_url_.empty()) {
    redis_url_ = run_script("redis.sh start " + (work_dir_ / "redis").string());
    if (redis_url_.empty()) return "scripts/redis.sh start failed";
    own_redis_ = true;
  }

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
      << "\ncustomer_code:\n  active_key_id: cc-dev-1\n  secrets: cc-dev-1=" << (keys / "cc-dev-1.secret").string()
      << "\nlogging:\n  level: warn\nbench:\n  baseline_service: true\n"
      // The load generator is one client playing many customers far faster
      // than phones report: abuse limits would measure themselves.
      << "rate_limit:\n  customer_per_second: 0\n  device_per_second: 0\n  scanner_per_second: 0\n"
      << "http:\n  listen: 127.0.0.1:0\n"
      << (options.kafka_brokers.empty() ? std::string{} : "kafka:\n  brokers: " + options.kafka_brokers + "\n");
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
  std::map<std::string, std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) environment.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  for (const auto& [name, value] : options_.environment) environment[name] = value;
  for (const auto& [name, value] : extra_environment) environment[name] = value;
  std::vector<std::string> env_storage;
  for (const auto& [name, value] : environment) env_storage.push_back(name + "=" + value);
  std::vector<char*> env;
  for (auto& entry : env_storage) env.push_back(entry.data());
  env.push_back(nullptr);

  std::string binary = options_.binary.empty() ? std::string(CID_SERVER_BINARY) : options_.binary;
  std::string config = (work_dir_ / "config.yaml").string();
  std::string port_file = (work_dir_ / "port").string();
  const std::string log_path = log_file().string();
  std::filesystem::remove(port_file);
  // posix_spawn, not fork: fork() would run gRPC's pthread_atfork handlers
  // in a process whose own gRPC client is busy (the fault suite restarts
  // servers while its callers keep calling); posix_spawn runs none. util-linux's
  // setpriv sets PR_SET_PDEATHSIG before it execs the server, so the server
  // stops even when this process dies by SIGKILL or a crash. (The signal
  // comes when the spawning *thread* ends: start servers from a thread that
  // outlives them.)
  const std::string setpriv = "/usr/bin/setpriv";
  std::vector<std::string> arguments;
  if (std::filesystem::exists(setpriv)) arguments = {setpriv, "--pdeathsig", "TERM", "--"};
  for (std::string argument : {binary, std::string("--config"), config, std::string("--port-file"), port_file}) {
    arguments.push_back(std::move(argument));
  }
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // The server gets default signal handling, whatever this process installed.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), env.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
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

void ServerProcess::forget_child() {
  forget_pid(pid_);
  pid_ = -1;
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
  if (!work_dir_.empty()) {
    // By the PIDs the scripts recorded.
    if (own_redis_) (void)run_script("redis.sh stop " + (work_dir_ / "redis").string());
    if (own_postgres_) (void)run_script("postgres.sh stop " + (work_dir_ / "postgres").string());
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }
}

}  // namespace tastesync::bench
