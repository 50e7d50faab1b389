#include "local_stack/data_servers.h"

#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

#include "local_stack/project_files.h"

namespace tastesync::local_stack {
namespace {

std::string shell_word(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

void run_quietly(const std::string& script, const std::string& arguments) {
  try {
    (void)run_script(script, arguments);
  } catch (const std::runtime_error&) {
    // Stopping what is not running is fine; the scripts say so on stderr.
  }
}

}  // namespace

std::string run_script(const std::string& script, const std::string& arguments) {
  std::string errors_path = (std::filesystem::temp_directory_path() / "cid-script-XXXXXX").string();
  const int errors_fd = mkstemp(errors_path.data());
  if (errors_fd < 0) throw std::runtime_error("cannot create a temporary file for " + script + "'s messages");
  close(errors_fd);
  const std::string command = shell_word(source_dir() / "scripts" / script) + " " + arguments + " 2>" +
                              shell_word(std::filesystem::path(errors_path));
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  int status = -1;
  if (pipe != nullptr) {
    std::array<char, 256> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
    status = pclose(pipe);
  }
  const std::string errors = read_text(errors_path);
  std::filesystem::remove(errors_path);
  if (status != 0) {
    throw std::runtime_error("scripts/" + script + " " + arguments + " failed (status " + std::to_string(status) +
                             "): " + errors);
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  const auto newline = output.rfind('\n');
  return newline == std::string::npos ? output : output.substr(newline + 1);
}

std::string start_postgres(const std::filesystem::path& dir) {
  return run_script("postgres.sh", "start " + shell_word(dir));
}
void stop_postgres(const std::filesystem::path& dir) {
  // postgres.sh refuses a directory that holds no cluster (yet).
  if (std::filesystem::exists(dir / "PG_VERSION")) run_quietly("postgres.sh", "stop " + shell_word(dir));
}

std::string start_redis(const std::filesystem::path& dir) { return run_script("redis.sh", "start " + shell_word(dir)); }
void stop_redis(const std::filesystem::path& dir) { run_quietly("redis.sh", "stop " + shell_word(dir)); }

std::string start_redis_cluster(const std::filesystem::path& dir) {
  // Six ports and their cluster bus ports (+10000) must be free; the script
  // refuses ports in use, so another base is tried.
  std::random_device random;
  std::uniform_int_distribution<int> bases(20000, 45000);
  for (int attempt = 0;; ++attempt) {
    try {
      (void)run_script("redis_cluster.sh", "start " + shell_word(dir) + " " + std::to_string(bases(random)));
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
  run_quietly("redis_cluster.sh", "stop " + shell_word(dir));
}

}  // namespace tastesync::local_stack
