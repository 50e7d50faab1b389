#include "integration/server_fixture.h"

#include <grpcpp/generic/generic_stub.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include "auth/jwt_signer.h"
#include "auth/key_files.h"
#include "infrastructure/crypto/table_qr_codec.h"
#include "integration/local_servers.h"
#include "support/grpc_released_at_exit.h"

namespace tastesync::testing {

RunningServer::RunningServer(const ServerOptions& options) { start(options); }

RunningServer::~RunningServer() = default;

void RunningServer::start(const ServerOptions& options) {
  local_stack::ServerOptions server;
  server.postgres_url = options.postgres_url.empty() ? postgres_url() : options.postgres_url;
  server.redis_url = options.redis_url.empty() ? redis_url() : options.redis_url;
  server.kafka_brokers = options.kafka_brokers.empty() ? kafka_bootstrap() : options.kafka_brokers;
  server.environment = options.environment;
  server.logging_level = "info";  // tests read the per-request lines
  server.http_config = options.http_config;
  server.extra_config = options.extra_config;
  server.wind_down_on_interrupt = false;  // Ctrl-C ends the test run
  const std::string error = process_.start(server);
  ASSERT_TRUE(error.empty()) << error;
}

std::shared_ptr<grpc::Channel> RunningServer::channel() const {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = read_text(dev_keys_dir() / "ca.crt");
  return grpc::CreateChannel("localhost:" + std::to_string(port()), grpc::SslCredentials(ssl));
}

std::string token_for(const std::string& subject, application::Role role, const std::string& store_id) {
  const std::string key = read_text(dev_keys_dir() / "jwt-dev-1.key");
  auto token = auth::mint_token(key, "dev-1", "tastesync-dev", "tastesync-customer-id", subject, role, store_id,
                                std::chrono::seconds(600), std::chrono::system_clock::now());
  EXPECT_TRUE(token.has_value()) << token.error().message;
  return token.value_or("");
}

std::string expired_token_for(const std::string& subject) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string claims = R"({"iss":"tastesync-dev","aud":"tastesync-customer-id","sub":")" + subject +
                             R"(","role":"customer","iat":)" + std::to_string(now - 7200) + R"(,"exp":)" +
                             std::to_string(now - 3600) + "}";
  auto token = auth::sign_rs256(read_text(dev_keys_dir() / "jwt-dev-1.key"), "dev-1", claims);
  EXPECT_TRUE(token.has_value()) << token.error().message;
  return token.value_or("");
}

std::unique_ptr<grpc::ClientContext> authorized(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

grpc::Status create_test_store(v1::Admin::Stub& admin, const std::string& admin_token, const std::string& store_id,
                               const std::string& name, const std::vector<std::string>& zones, unsigned major,
                               const std::vector<TestBeacon>& beacons) {
  v1::CreateStoreRequest store;
  store.set_store_id(store_id);
  store.set_name(name);
  v1::CreateStoreResponse created;
  if (auto status = admin.CreateStore(authorized(admin_token).get(), store, &created); !status.ok()) return status;
  for (const std::string& zone : zones) {
    v1::AddZoneRequest add;
    add.set_store_id(store_id);
    add.set_zone_id(zone);
    add.set_kind(zone == "entrance" ? v1::ENTRANCE : v1::TABLE);
    add.set_label(zone);
    v1::AddZoneResponse added;
    if (auto status = admin.AddZone(authorized(admin_token).get(), add, &added); !status.ok()) return status;
  }
  for (const TestBeacon& beacon : beacons) {
    v1::RegisterBeaconRequest request;
    request.set_uuid(kDemoUuid);
    request.set_major(major);
    request.set_minor(beacon.minor);
    request.set_store_id(store_id);
    request.set_zone_id(beacon.zone_id);
    if (beacon.tx_power) request.set_tx_power(*beacon.tx_power);
    v1::RegisterBeaconResponse registered;
    if (auto status = admin.RegisterBeacon(authorized(admin_token).get(), request, &registered); !status.ok()) {
      return status;
    }
  }
  return grpc::Status::OK;
}

std::string health_status(const RunningServer& server) {
  grpc::GenericStub generic(server.channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // HealthCheckRequest{service: ""} is the empty message; no generated
  // health stubs are packaged, so the bytes are spelled out.
  grpc::Slice empty;
  grpc::ByteBuffer request_bytes(&empty, 1);
  grpc::ByteBuffer response_bytes;
  std::mutex mutex;
  std::condition_variable done_signal;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request_bytes, &response_bytes,
                    [&](grpc::Status s) {
                      std::scoped_lock lock(mutex);
                      status = std::move(s);
                      done = true;
                      done_signal.notify_one();
                    });
  std::unique_lock lock(mutex);
  done_signal.wait(lock, [&] { return done; });
  if (!status.ok()) return status.error_message();
  std::vector<grpc::Slice> slices;
  if (!response_bytes.Dump(&slices).ok()) return "unreadable response";
  std::string bytes;
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  if (bytes == std::string("\x08\x01", 2)) return "SERVING";
  if (bytes == std::string("\x08\x02", 2)) return "NOT_SERVING";
  return "unexpected response";
}

std::string signed_table_qr(const std::string& store_id, const std::string& zone_id) {
  auto secret = auth::read_hex_secret_file(dev_keys_dir() / "qr-dev-1.secret", 32);
  EXPECT_TRUE(secret.has_value());
  infrastructure::HmacTableQrCodec codec(infrastructure::HmacKeyRing({{"qr-dev-1", secret.value_or("")}}, "qr-dev-1"));
  auto payload = codec.sign(store_id, zone_id);
  EXPECT_TRUE(payload.has_value());
  return payload.value_or("");
}

void add_sighting(v1::IdentifyRequest& request, unsigned minor, int rssi, unsigned major, const std::string& uuid) {
  auto* sighting = request.mutable_beacons()->add_sightings();
  sighting->set_uuid(uuid);
  sighting->set_major(major);
  sighting->set_minor(minor);
  sighting->set_rssi(rssi);
}

void add_demo_report(v1::IdentifyRequest& request, unsigned strongest_minor, int strongest_rssi, int other_rssi) {
  for (unsigned minor = 0; minor <= 4; ++minor) {
    add_sighting(request, minor, minor == strongest_minor ? strongest_rssi : other_rssi);
  }
}

std::string demo_zone(unsigned minor) { return minor == 0 ? "entrance" : "table-" + std::to_string(minor); }

DemoCaller::DemoCaller(const RunningServer& server, std::string customer)
    : stub_(v1::CustomerIdentification::NewStub(server.channel())),
      customer_(std::move(customer)),
      token_(token_for(customer_)),
      request_prefix_(unique_customer(customer_)) {}

grpc::Status DemoCaller::at(unsigned minor, v1::IdentifyResponse& response) {
  v1::IdentifyRequest request;
  request.set_request_id(request_prefix_ + "-" + std::to_string(++sent_));
  add_demo_report(request, minor);
  return stub_->Identify(authorized(token_).get(), request, &response);
}

grpc::Status DemoCaller::at(unsigned minor) {
  v1::IdentifyResponse ignored;
  return at(minor, ignored);
}

grpc::Status DemoCaller::move_to(unsigned minor, std::vector<std::string>& event_ids) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    v1::IdentifyResponse response;
    const grpc::Status status = at(minor, response);
    if (!status.ok()) return status;
    for (const std::string& id : response.event_ids()) event_ids.push_back(id);
    if (response.location().zone_id() == demo_zone(minor)) return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, customer_ + " never reached " + demo_zone(minor));
}

}  // namespace tastesync::testing
