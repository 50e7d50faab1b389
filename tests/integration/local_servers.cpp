#include "integration/local_servers.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>

#include "local_stack/local_stack.h"

namespace tastesync::testing {
namespace {

const local_stack::LocalStack& shared() {
  static const local_stack::LocalStack servers("shared");
  return servers;
}

}  // namespace

const std::string& postgres_url() { return shared().postgres_url(); }
const std::string& redis_url() { return shared().redis_url(); }
const std::string& kafka_bootstrap() { return shared().kafka_bootstrap(); }

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

}  // namespace tastesync::testing
