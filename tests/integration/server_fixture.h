#pragma once

// Starts the real `customer-id` binary on a free loopback port with real TLS
// and the dev keys (local_stack::ServerProcess, the suite's shared servers
// unless a test brings its own), and gives tests a channel and tokens. The
// server is stopped by PID (SIGTERM) at the end of each suite.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "application/ports/principal.h"
#include "customer_id.grpc.pb.h"
#include "local_stack/project_files.h"
#include "local_stack/server_process.h"

namespace tastesync::testing {

namespace v1 = ::tastesync::customer_id::v1;

struct ServerOptions {
  // Empty: the suite's shared servers (integration/local_servers.h).
  std::string postgres_url;
  std::string redis_url;
  std::string kafka_brokers;  // empty: the suite's embedded Kafka
  // Extra config.yaml lines (e.g. "bench:\n  baseline_service: true\n").
  std::string extra_config;
  std::map<std::string, std::string> environment;
  // Extra lines of the `http:` group (e.g. "  max_body_bytes: 2048\n"); the
  // fixture already sets listen to a free port.
  std::string http_config;
};

class RunningServer {
 public:
  explicit RunningServer(const ServerOptions& options = {});
  ~RunningServer();
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  int port() const { return process_.port(); }
  int http_port() const { return process_.http_port(); }  // the HTTPS/JSON gateway
  pid_t pid() const { return process_.pid(); }
  // Its config.yaml and server.log.
  const std::filesystem::path& work_dir() const { return process_.work_dir(); }
  std::shared_ptr<grpc::Channel> channel() const;
  // Sends SIGTERM and returns the exit status (-1 when it had to be killed).
  int stop() { return process_.stop(); }

 private:
  // gtest's ASSERT/FAIL need a void function, not a constructor.
  void start(const ServerOptions& options);

  local_stack::ServerProcess process_;
};

using local_stack::dev_keys_dir;
using local_stack::read_text;
using local_stack::source_dir;

// A dev-signed token.
std::string token_for(const std::string& subject, application::Role role = application::Role::kCustomer,
                      const std::string& store_id = "");
// A dev-signed customer token that expired an hour ago.
std::string expired_token_for(const std::string& subject);
std::unique_ptr<grpc::ClientContext> authorized(const std::string& token);

// grpc.health.v1 Check for the whole server: "SERVING", "NOT_SERVING", or
// the call's error message.
std::string health_status(const RunningServer& server);

// A table QR payload signed with the dev key.
std::string signed_table_qr(const std::string& store_id, const std::string& zone_id);

// The demo store's beacons (internal/config/demo-store.yaml).
constexpr const char* kDemoUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";
constexpr unsigned kDemoMajor = 100;
void add_sighting(v1::IdentifyRequest& request, unsigned minor, int rssi, unsigned major = kDemoMajor,
                  const std::string& uuid = kDemoUuid);

// One report hearing all five demo beacons, `strongest_minor`'s loudest.
void add_demo_report(v1::IdentifyRequest& request, unsigned strongest_minor, int strongest_rssi = -50,
                     int other_rssi = -85);

// The demo zone a minor stands for: 0 the entrance, N table N.
std::string demo_zone(unsigned minor);

// A store of its own, for suites that must not change the demo store: its
// zones ("entrance" is the entrance, the others tables) and beacons (the demo
// UUID with `major`, each minor in its zone). The first failing call's status.
struct TestBeacon {
  unsigned minor = 0;
  std::string zone_id;
  std::optional<int> tx_power;
};
grpc::Status create_test_store(v1::Admin::Stub& admin, const std::string& admin_token, const std::string& store_id,
                               const std::string& name, const std::vector<std::string>& zones, unsigned major,
                               const std::vector<TestBeacon>& beacons);

// A customer's phone talking to one server: its own token, request ids no
// other caller uses (a reused id would rightly be answered from the
// idempotency store).
class DemoCaller {
 public:
  DemoCaller(const RunningServer& server, std::string customer);

  const std::string& customer() const { return customer_; }

  // One report with the beacon of `minor` strongest.
  grpc::Status at(unsigned minor, v1::IdentifyResponse& response);
  grpc::Status at(unsigned minor);

  // Reports `minor` until the service places the customer there (the zone
  // resolver wants a sighting or two of evidence), appending the ids of the
  // events every answer carried. Fails on the first error, or when the
  // customer does not arrive within 10 reports.
  grpc::Status move_to(unsigned minor, std::vector<std::string>& event_ids);

 private:
  std::unique_ptr<v1::CustomerIdentification::Stub> stub_;
  std::string customer_;
  std::string token_;
  std::string request_prefix_;
  int sent_ = 0;
};

}  // namespace tastesync::testing
