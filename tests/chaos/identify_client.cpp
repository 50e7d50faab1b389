#include "identify_client.h"

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "auth/jwt_signer.h"
#include "auth/key_files.h"
#include "infrastructure/crypto/table_qr_codec.h"
#include "local_stack/project_files.h"

namespace tastesync::chaos {
namespace {

constexpr const char* kDemoUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";
constexpr unsigned kDemoMajor = 100;
constexpr unsigned kTables = 4;

std::string mint(const std::string& subject, application::Role role) {
  static const std::string key = local_stack::read_text(local_stack::dev_keys_dir() / "jwt-dev-1.key");
  auto token = auth::mint_token(key, "dev-1", "tastesync-dev", "tastesync-customer-id", subject, role, "",
                                std::chrono::seconds(3600), std::chrono::system_clock::now());
  return token.value_or("");
}

// Signed once per table with the dev key, the way staff print them.
const std::string& signed_qr(unsigned table) {
  static const std::vector<std::string> payloads = [] {
    std::vector<std::string> signed_payloads(kTables + 1);
    auto secret = auth::read_hex_secret_file(local_stack::dev_keys_dir() / "qr-dev-1.secret", 32);
    if (!secret) return signed_payloads;
    infrastructure::HmacTableQrCodec codec(infrastructure::HmacKeyRing({{"qr-dev-1", *secret}}, "qr-dev-1"));
    for (unsigned t = 1; t <= kTables; ++t) signed_payloads[t] = codec.sign(kStore, zone_of_minor(t)).value_or("");
    return signed_payloads;
  }();
  return payloads.at(table);
}

}  // namespace

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<grpc::Channel> tls_channel(int port, bool own_connection) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = local_stack::read_text(local_stack::dev_keys_dir() / "ca.crt");
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC also takes it as the time a
  // connection attempt (TCP and TLS handshakes) may take.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(ssl), args);
}

std::string customer_token(const std::string& customer) { return mint(customer, application::Role::kCustomer); }
std::string admin_token() { return mint("chaos-admin", application::Role::kAdmin); }

std::string zone_of_minor(unsigned minor) { return minor == 0 ? "entrance" : "table-" + std::to_string(minor); }

v1::IdentifyRequest table_qr_request(const std::string& request_id, unsigned table) {
  v1::IdentifyRequest request;
  request.set_request_id(request_id);
  request.set_table_qr(signed_qr(table));
  return request;
}

v1::IdentifyRequest beacon_request(const std::string& request_id, unsigned loudest_minor) {
  v1::IdentifyRequest request;
  request.set_request_id(request_id);
  for (unsigned minor = 0; minor <= kTables; ++minor) {
    auto* sighting = request.mutable_beacons()->add_sightings();
    sighting->set_uuid(kDemoUuid);
    sighting->set_major(kDemoMajor);
    sighting->set_minor(minor);
    sighting->set_rssi(minor == loudest_minor ? -50 : -85);
  }
  return request;
}

bool retryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNKNOWN: return true;
    default: return false;
  }
}

void call_with_retries(const std::vector<std::unique_ptr<v1::CustomerIdentification::Stub>>& stubs, int first_instance,
                       bool alternate, const std::string& token, const std::string& routing_key,
                       const v1::IdentifyRequest& request, const RetryPolicy& policy, const std::atomic<bool>& abort,
                       CallRecord& record) {
  thread_local std::mt19937 jitter(std::random_device{}());
  const auto started = std::chrono::steady_clock::now();
  record.sent_us = now_us();
  auto backoff = policy.first_backoff;
  const int instances = static_cast<int>(stubs.size());
  for (int attempt = 0;; ++attempt) {
    const int instance = alternate ? (first_instance + attempt) % instances : first_instance % instances;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    context.AddMetadata("x-routing-key", routing_key);
    context.set_deadline(std::chrono::system_clock::now() + policy.attempt_deadline);
    v1::IdentifyResponse response;
    const grpc::Status status = stubs[static_cast<std::size_t>(instance)]->Identify(&context, request, &response);
    record.attempts = attempt + 1;
    record.finished_us = now_us();
    record.last_code = status.error_code();
    record.last_message = status.error_message();
    if (status.ok()) {
      record.outcome = Outcome::kAnswered;
      record.answered_by = instance;
      record.zone = response.location().zone_id();
      record.changed = response.location_changed();
      record.event_ids.assign(response.event_ids().begin(), response.event_ids().end());
      return;
    }
    if (!retryable(status.error_code())) {
      record.outcome = Outcome::kFailed;
      return;
    }
    if (abort.load() || std::chrono::steady_clock::now() - started + backoff > policy.give_up_after) {
      record.outcome = Outcome::kGaveUp;
      return;
    }
    std::uniform_int_distribution<long> spread(0, backoff.count() / 2);
    std::this_thread::sleep_for(backoff + std::chrono::milliseconds(spread(jitter)));
    backoff = std::min(policy.max_backoff, backoff * 2);
  }
}

}  // namespace tastesync::chaos
