#include "integration/local_servers.h"

#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace tastesync::testing {
namespace {

std::filesystem::path script(const char* name) { return std::filesystem::path(CID_SOURCE_DIR) / "scripts" / name; }

// Runs a script and returns the last line it printed on stdout.
std::string run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  std::array<char, 256> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = pclose(pipe);
  if (status != 0) throw std::runtime_error(command + " failed with status " + std::to_string(status));
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  const auto newline = output.rfind('\n');
  return newline == std::string::npos ? output : output.substr(newline + 1);
}

struct SharedServers {
  std::filesystem::path dir;
  std::string postgres;
  std::string redis;
  DevKafka kafka;

  SharedServers() : dir(make_server_dir("shared")) {
    postgres = start_postgres(dir / "postgres");
    redis = start_redis(dir / "redis");
    kafka = start_devkafka(dir / "kafka");
  }
  ~SharedServers() {
    stop_devkafka(kafka);
    // Stopped by the PIDs the scripts recorded; never by name.
    stop_redis(dir / "redis");
    stop_postgres(dir / "postgres");
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

SharedServers& shared() {
  static SharedServers servers;
  return servers;
}

}  // namespace

std::filesystem::path make_server_dir(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("cid-" + name + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  // PostgreSQL runs as its own user, which must reach the data directory.
  chmod(pattern.c_str(), 0755);
  return pattern;
}

std::string start_postgres(const std::filesystem::path& dir) {
  return run(script("postgres.sh").string() + " start " + dir.string());
}

void stop_postgres(const std::filesystem::path& dir) {
  (void)std::system((script("postgres.sh").string() + " stop " + dir.string() + " >/dev/null 2>&1").c_str());
}

std::string start_redis(const std::filesystem::path& dir) {
  return run(script("redis.sh").string() + " start " + dir.string());
}

void stop_redis(const std::filesystem::path& dir) {
  (void)std::system((script("redis.sh").string() + " stop " + dir.string() + " >/dev/null 2>&1").c_str());
}

std::string start_redis_cluster(const std::filesystem::path& dir) {
  // Six ports and their cluster bus ports (+10000) must be free; the script
  // refuses ports in use, so another base is tried.
  std::random_device random;
  std::uniform_int_distribution<int> bases(20000, 45000);
  for (int attempt = 0;; ++attempt) {
    const int base = bases(random);
    try {
      (void)run(script("redis_cluster.sh").string() + " start " + dir.string() + " " + std::to_string(base));
      std::ifstream nodes(dir / "nodes");
      std::string seeds;
      std::getline(nodes, seeds);
      return seeds;
    } catch (const std::runtime_error&) {
      stop_redis_cluster(dir);
      if (attempt == 4) throw;
    }
  }
}

void stop_redis_cluster(const std::filesystem::path& dir) {
  (void)std::system((script("redis_cluster.sh").string() + " stop " + dir.string() + " >/dev/null 2>&1").c_str());
}

DevKafka start_devkafka(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string bootstrap_file = (dir / "bootstrap").string();
  std::filesystem::remove(bootstrap_file);
  const std::string partitions = std::to_string(kEventsTopicPartitions);
  DevKafka kafka;
  kafka.pid = fork();
  if (kafka.pid == 0) {
    const std::string binary = CID_DEVKAFKA_BINARY;
    execl(binary.c_str(), binary.c_str(), "--topic", kEventsTopic, "--partitions", partitions.c_str(),
          "--bootstrap-file", bootstrap_file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 200 && kafka.bootstrap.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream file(bootstrap_file);
    std::getline(file, kafka.bootstrap);
  }
  if (kafka.bootstrap.empty()) throw std::runtime_error("devkafka did not publish its bootstrap address");
  return kafka;
}

void stop_devkafka(DevKafka& kafka) {
  if (kafka.pid <= 0) return;
  kill(kafka.pid, SIGTERM);
  int status = 0;
  waitpid(kafka.pid, &status, 0);
  kafka.pid = -1;
}

const std::string& kafka_bootstrap() { return shared().kafka.bootstrap; }

std::string psql(const std::string& url, const std::string& sql) {
  const std::string command = "psql '" + url + "' -Atc \"" + sql + "\" 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 512> buffer{};
  while (pipe != nullptr && fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  if (pipe != nullptr) pclose(pipe);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

std::string unique_customer(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" + std::to_string(++counter);
}

const std::string& postgres_url() { return shared().postgres; }
const std::string& redis_url() { return shared().redis; }

}  // namespace tastesync::testing
