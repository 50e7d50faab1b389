// make bench, HTTPS/JSON part: Identify through the built-in HTTPS/JSON
// gateway against POST /v1/noop (token check + JSON + the same hand-off to
// the handler pool, no identification) of the same server in the same run,
// driven by wrk over keep-alive TLS 1.3 connections. The ratio is the figure
// that matters; absolute numbers vary by about ±30% between runs here.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "auth/jwt_signer.h"
#include "local_stack/project_files.h"
#include "local_stack/server_process.h"

namespace tastesync::bench {
using local_stack::dev_keys_dir;
using local_stack::load_test_config;
using local_stack::read_text;
using local_stack::ServerOptions;
using local_stack::ServerProcess;
namespace {

constexpr int kCustomers = 200;
constexpr int kConnections = 64;
constexpr int kThreads = 2;
constexpr int kSeconds = 5;

struct WrkResult {
  double per_second = 0;
  std::string p50, p99;
  long non_2xx = 0;
  long socket_errors = 0;
  std::string raw;
};

std::string lua_script(const std::vector<std::string>& tokens, const std::string& target, const std::string& tag) {
  std::ostringstream lua;
  lua << "local tokens = {\n";
  for (const auto& token : tokens) lua << "  \"" << token << "\",\n";
  lua << "}\n"
      << "local target = \"" << target << "\"\n"
      << "local tag = \"" << tag << "\"\n"
      << R"LUA(local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
local n = 0
local beacons = ""
for minor = 0, 4 do
  local rssi = -85
  if minor == 3 then rssi = -50 end
  if minor > 0 then beacons = beacons .. "," end
  beacons = beacons .. string.format(
    '{"uuid":"f7826da6-4fa2-4e98-8024-bc5b71e0893e","major":100,"minor":%d,"rssi":%d}', minor, rssi)
end
request = function()
  n = n + 1
  local customer = (n * 7 + tid * 13) % #tokens + 1
  local id = string.format("%s-%d-%d", tag, tid, n)
  local body
  if target == "noop" then
    body = string.format('{"requestId":"%s"}', id)
  else
    body = string.format('{"requestId":"%s","beacons":{"sightings":[%s]}}', id, beacons)
  end
  return wrk.format("POST", "/v1/" .. target,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[customer]}, body)
end
)LUA";
  return lua.str();
}

std::optional<WrkResult> run_wrk(const std::filesystem::path& script, int port, int seconds) {
  const std::string command = "wrk -t" + std::to_string(kThreads) + " -c" + std::to_string(kConnections) + " -d" +
                              std::to_string(seconds) + "s --latency -s " + script.string() +
                              " https://127.0.0.1:" + std::to_string(port) + "/ 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  WrkResult result;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) result.raw += buffer;
  if (pclose(pipe) != 0) return std::nullopt;
  std::istringstream lines(result.raw);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (first == "Requests/sec:") words >> result.per_second;
    if (first == "50%") words >> result.p50;
    if (first == "99%") words >> result.p99;
    if (line.find("Non-2xx or 3xx responses:") != std::string::npos) {
      result.non_2xx = std::stol(line.substr(line.find(':') + 1));
    }
    if (first == "Socket") result.socket_errors = 1;
  }
  return result;
}

// Why the server answered calls with an error, from its /metrics (the bench
// logs only warnings, and a shed call is not logged at all): the shed counts
// by reason, the rate-limited calls, and the HTTP requests by route and
// status other than 200.
std::string refusals(int http_port) {
  const std::string command =
      "curl -sk --max-time 5 https://127.0.0.1:" + std::to_string(http_port) + "/metrics 2>/dev/null";
  std::string out = "  the server's counts so far (/metrics):\n";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out + "    (cannot run curl)\n";
  char line[4096];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    const std::string text(line);
    if (text.starts_with('#')) continue;
    const bool shed = text.find("requests_shed_total") != std::string::npos;
    const bool failed_http = text.starts_with("customer_id_requests_total") &&
                             text.find("transport=\"http\"") != std::string::npos &&
                             text.find("code=\"200\"") == std::string::npos;
    if (shed || failed_http || text.starts_with("customer_id_rate_limited_total")) out += "    " + text;
  }
  pclose(pipe);
  return out;
}

int run() {
  if (std::system("command -v wrk >/dev/null 2>&1") != 0) {
    std::cout << "https_load: wrk is not installed (scripts/deps.sh installs it); skipped\n";
    return 1;
  }
  ServerProcess server;
  if (const std::string error = server.start({.extra_config = load_test_config()}); !error.empty()) {
    std::cerr << "https_load: " << error << '\n';
    return 1;
  }
  if (server.http_port() <= 0) {
    std::cerr << "https_load: the server did not report an HTTPS port\n";
    return 1;
  }
  const std::string key = read_text(dev_keys_dir() / "jwt-dev-1.key");
  std::vector<std::string> tokens;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < kCustomers; ++i) {
    auto token =
        auth::mint_token(key, "dev-1", "tastesync-dev", "tastesync-customer-id", "https-bench-" + std::to_string(i),
                         application::Role::kCustomer, "", std::chrono::hours(1), now);
    if (!token) {
      std::cerr << "https_load: cannot mint a token: " << token.error().message << '\n';
      return 1;
    }
    tokens.push_back(*token);
  }
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("https-load-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto tag = std::to_string(now.time_since_epoch().count());

  std::cout << "https_load: server pid " << server.pid() << ", HTTPS/JSON on 127.0.0.1:" << server.http_port()
            << " (TLS 1.3, keep-alive), wrk " << kThreads << " threads, " << kConnections << " connections, "
            << kCustomers << " customers; 1 s warm-up then " << kSeconds << " s per target\n"
            << std::flush;
  // Warm: this instance keeps each customer's last record (the 1 s warm-up
  // run also seats every customer). Cold: the same customers on the server
  // restarted with redis.presence_cache_capacity 0, every request reading
  // Redis (as grpc_load does).
  struct Row {
    std::string cache, target;
    WrkResult result;
    std::string refused;  // the server's counts, read when the run had errors
  };
  std::vector<Row> results;
  int pass = 0;
  for (const std::string cache : {"warm", "cold"}) {
    if (cache == "cold") {
      (void)server.stop();
      if (const std::string error = server.restart({{"CUSTOMER_ID_REDIS_PRESENCE_CACHE_CAPACITY", "0"}});
          !error.empty()) {
        std::cerr << "https_load: restarting the server without its presence copy: " << error << '\n';
        std::filesystem::remove_all(dir);
        return 1;
      }
    }
    for (const std::string target : {"noop", "identify"}) {
      for (const int seconds : {1, kSeconds}) {
        const auto script = dir / (target + std::to_string(pass) + ".lua");
        std::ofstream(script) << lua_script(tokens, target, tag + "-" + std::to_string(pass++));
        auto result = run_wrk(script, server.http_port(), seconds);
        if (!result) {
          std::cerr << "https_load: wrk failed against /v1/" << target << '\n';
          std::filesystem::remove_all(dir);
          return 1;
        }
        if (seconds == kSeconds) {
          // Read now: the cold pass restarts the server, and its counts with it.
          std::string refused = result->non_2xx > 0
                                    ? refusals(server.http_port()) + "  its log (warnings and errors):\n" + server.log()
                                    : std::string();
          results.push_back({cache, target, *result, std::move(refused)});
        }
      }
    }
  }
  std::filesystem::remove_all(dir);

  std::printf("\n%-16s %5s %10s %10s %10s %8s\n", "HTTPS/JSON", "cache", "req/s", "p50", "p99", "non-2xx");
  for (const auto& [cache, target, r, refused] : results) {
    std::printf("%-16s %5s %10.0f %10s %10s %8ld\n", ("POST /v1/" + target).c_str(), cache.c_str(), r.per_second,
                r.p50.c_str(), r.p99.c_str(), r.non_2xx);
  }
  std::printf("\n");
  for (std::size_t i = 0; i + 1 < results.size(); i += 2) {
    const double noop = results[i].result.per_second;
    const double ratio = noop > 0 ? results[i + 1].result.per_second / noop : 0;
    std::printf("%s HTTPS/JSON Identify/Noop throughput ratio at %d connections: %.2f (target >= %s)\n",
                results[i].cache.c_str(), kConnections, ratio, results[i].cache == "warm" ? "0.70" : "0.50");
  }
  int exit_code = 0;
  for (const auto& [cache, target, r, refused] : results) {
    if (r.non_2xx > 0) {
      std::printf("FAILED: %ld non-2xx answers from /v1/%s (%s)\n%s", r.non_2xx, target.c_str(), cache.c_str(),
                  refused.c_str());
      exit_code = 1;
    }
  }
  if (server.stop() != 0) {
    std::printf("FAILED: the server did not exit cleanly on SIGTERM\n%s\n", server.log().c_str());
    exit_code = 1;
  }
  return exit_code;
}

}  // namespace
}  // namespace tastesync::bench

int main() { return tastesync::bench::run(); }
