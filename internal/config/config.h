#pragma once

// The service's configuration: config.yaml (see config.yaml.example) with
// every key overridable by an environment variable named
// CUSTOMER_ID_<KEY> (dots become underscores, upper case), e.g.
// grpc.listen -> CUSTOMER_ID_GRPC_LISTEN. Validated at start; an error names
// the bad key.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "application/use_cases/identify_request_validation.h"
#include "domain/error.h"
#include "domain/services/zone_emissions.h"
#include "domain/services/zone_resolver.h"

namespace tastesync::config {

struct KeyFile {
  std::string key_id;
  std::string path;
};

// When a key may be used; an absent bound is open.
struct TimeWindow {
  std::optional<domain::Timestamp> not_before;
  std::optional<domain::Timestamp> not_after;
};

struct Config {
  struct Grpc {
    std::string listen = "127.0.0.1:50443";
    bool tls = true;
    std::string cert_file = "internal/config/keys/dev/server.crt";
    std::string key_file = "internal/config/keys/dev/server.key";
    std::size_t max_message_bytes = 64 * 1024;
    // Requests (gRPC and HTTPS) that block on PostgreSQL/Redis round trips:
    // this many run at once. A few per PostgreSQL connection: more only wait
    // inside the handlers (for a connection, for a core), where admission
    // cannot see the wait, and the answered requests' latency grows with it.
    std::size_t handler_threads = 16;
    // Beyond this many waiting requests, new ones get UNAVAILABLE at once.
    std::size_t max_queued_requests = 10000;
    // Admission by queueing delay (admission_policy.h): once the queue has
    // stood over this for five such intervals, a request that would wait
    // longer for a worker is refused at once (UNAVAILABLE / 503 with this as
    // its retry hint) and one that waited longer anyway is dropped unrun; a
    // burst or a stall shorter than that passes.
    std::chrono::milliseconds max_queue_delay{100};
    // Mutual TLS for internal callers: when set, every client must present a
    // certificate signed by this CA (PEM); empty: no client certificates.
    std::string client_ca_file;
  } grpc;
  struct Auth {
    std::string issuer = "tastesync-dev";
    std::string audience = "tastesync-customer-id";
    std::chrono::seconds clock_skew{30};
    std::vector<KeyFile> public_keys{{"dev-1", "internal/config/keys/dev/jwt-dev-1.pub"}};
    // Production: a mounted folder (e.g. internal/config/keys/prod/) whose
    // every <kid>.pub is accepted beside public_keys; empty for none.
    std::string public_keys_dir;
    std::size_t token_cache_capacity = 100000;
  } auth;
  struct TableQr {
    std::string active_key_id = "qr-dev-1";
    std::vector<KeyFile> secrets{{"qr-dev-1", "internal/config/keys/dev/qr-dev-1.secret"}};
    // kid -> when codes signed with it are accepted; keys not listed: always.
    std::map<std::string, TimeWindow> key_validity;
  } table_qr;
  // Abuse limits, token buckets per caller in each instance; 0 per second: off.
  struct RateLimit {
    double customer_per_second = 5;
    double customer_burst = 20;
    double device_per_second = 5;
    double device_burst = 20;
    double scanner_per_second = 50;
    double scanner_burst = 200;
  } rate_limit;
  struct Postgres {
    std::string url = "postgresql://postgres@127.0.0.1:55432/customer_id";
    std::size_t pool_size = 4;
    std::string migrations_dir = "migrations";
  } postgres;
  struct Redis {
    std::string url = "redis://127.0.0.1:56379";
    // Seeds of a Redis Cluster, host:port[,host:port...]; when set, the
    // service routes by slot over the cluster and `url` is not used.
    std::string cluster_nodes;
    std::size_t pool_size = 4;
    std::chrono::milliseconds timeout{100};
    std::chrono::seconds presence_ttl{3600};
    // Customers whose last written record this instance keeps a copy of
    // (infrastructure/local/presence_cache.h); 0 turns the copy off.
    std::size_t presence_cache_capacity = 50'000;
  } redis;
  struct Presence {
    // A customer not seen for this long has left the store (CustomerLeftStore).
    std::chrono::seconds leave_after{600};
    // How often each instance looks for silent customers.
    std::chrono::seconds sweep_interval{30};
  } presence;
  struct Kafka {
    // host:port,...; empty: events wait in the outbox until one is set
    // (`make run` and the tests start the embedded broker, cmd/devkafka).
    std::string brokers;
    std::string topic = "tastesync.customer-id.events.v1";
    // Readiness turns false when events have waited this long undelivered.
    std::chrono::seconds unreachable_after{60};
    // Delivered events stay in the outbox this long (for audits and
    // re-publishing), then the relay deletes them; 0 keeps them for ever.
    std::chrono::hours keep_delivered{72};
    // How often each instance's relay counts the live relays and claims or
    // gives back outbox partitions: a dead instance's stores wait about this.
    std::chrono::milliseconds relay_balance{1000};
  } kafka;
  struct Pii {
    std::string active_key_id = "pii-dev-1";
    std::vector<KeyFile> keys{{"pii-dev-1", "internal/config/keys/dev/pii-dev-1.key"}};
  } pii;
  // Way 4: short-lived signed codes the customer's app shows to a store scanner.
  struct CustomerCode {
    std::string active_key_id = "cc-dev-1";
    std::vector<KeyFile> secrets{{"cc-dev-1", "internal/config/keys/dev/cc-dev-1.secret"}};
    std::chrono::seconds lifetime{60};
  } customer_code;
  // Way 3: the rotating iBeacon id phones advertise for store scanners.
  struct PhoneBeacon {
    // The proximity UUID every customer phone advertises (only Major/Minor rotate).
    std::string uuid = "3f5d2c8e-1b7a-4e6f-9a0c-7d4b2e9f1a63";
    std::chrono::seconds rotation_period{120};
    // How often an instance loads phones registered through other instances.
    std::chrono::seconds refresh_interval{5};
  } phone_beacon;
  // Stores, zones and beacons inserted at start when absent (the demo store);
  // empty for none.
  std::string floor_plan_file = "internal/config/demo-store.yaml";
  application::IdentifyLimits identify;
  std::chrono::seconds idempotency_ttl{24 * 3600};
  std::size_t idempotency_capacity = 200000;
  domain::ResolverSettings resolver;
  // The zone filter's model (docs/accuracy.md): how long customers stay, how
  // they walk, how beacons sound where nobody calibrated.
  domain::ZoneModelSettings zone_filter;
  std::string log_level = "info";
  bool bench_baseline = false;  // serve the Baseline/Noop handler for `make bench`
  // The HTTPS/JSON gateway (the same API as gRPC, plus /healthz, /readyz,
  // /metrics).
  struct Http {
    bool enabled = true;
    std::string listen = "127.0.0.1:8443";
    std::size_t threads = 2;
    std::size_t max_body_bytes = 64 * 1024;
    // To receive a request and to send its answer; also the request's
    // deadline unless its `grpc-timeout` header asks for a shorter one.
    std::chrono::seconds request_timeout{15};
    // Empty: grpc.cert_file / grpc.key_file.
    std::string cert_file;
    std::string key_file;
  } http;
  struct Server {
    // SIGTERM: refuse new requests, finish those in flight, flush Kafka, and
    // exit within this many seconds.
    std::chrono::seconds drain{10};
  } server;
};

using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment process_environment();

// Reads `path`, applies the environment, validates.
domain::Result<Config> load_config(const std::string& path, const Environment& env);
// The same from YAML text, for tests.
domain::Result<Config> parse_config(const std::string& yaml_text, const Environment& env);

// The environment variable that overrides `key`.
std::string environment_name(const std::string& key);

}  // namespace tastesync::config
