// The service's composition root: configuration -> adapters -> use cases ->
// servers, then serving until SIGTERM/SIGINT and the drain. The policies it
// wires live in classes of their own, with unit tests (key loading, the
// readiness rule, the leave-sweep schedule, the drain order).

#include "service/server_app.h"

#include <array>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "application/use_cases/admin_use_cases.h"
#include "application/use_cases/calibration_use_case.h"
#include "application/use_cases/customer_credentials_use_case.h"
#include "application/use_cases/identify_customer_use_case.h"
#include "application/use_cases/leave_detection_use_case.h"
#include "application/use_cases/leave_sweep_schedule.h"
#include "application/use_cases/metered_identify.h"
#include "application/use_cases/metered_rate_limiter.h"
#include "application/use_cases/store_analytics_use_case.h"
#include "application/use_cases/store_floor_use_case.h"
#include "application/use_cases/store_scanner_use_case.h"
#include "auth/jwt.h"
#include "auth/key_files.h"
#include "config/config.h"
#include "infrastructure/crypto/customer_code_codec.h"
#include "infrastructure/crypto/phone_beacon_index.h"
#include "infrastructure/crypto/table_qr_codec.h"
#include "infrastructure/db/migrations.h"
#include "infrastructure/db/pg_pool.h"
#include "infrastructure/db/postgres_customer_devices.h"
#include "infrastructure/db/postgres_customer_directory.h"
#include "infrastructure/db/postgres_floor_listener.h"
#include "infrastructure/db/postgres_registry.h"
#include "infrastructure/db/postgres_store_analytics.h"
#include "infrastructure/db/postgres_visit_ledger.h"
#include "infrastructure/floorplan/floor_plan_file.h"
#include "infrastructure/grpc/admin_service.h"
#include "infrastructure/grpc/grpc_server.h"
#include "infrastructure/grpc/identification_service.h"
#include "infrastructure/grpc/store_scanner_service.h"
#include "infrastructure/health/readiness.h"
#include "infrastructure/health/readiness_monitor.h"
#include "infrastructure/http/floor_page_routes.h"
#include "infrastructure/http/https_server.h"
#include "infrastructure/http/json_api.h"
#include "infrastructure/http/operations_routes.h"
#include "infrastructure/kafka/outbox_relay.h"
#include "infrastructure/kafka/outbox_wakeup.h"
#include "infrastructure/live/floor_feed.h"
#include "infrastructure/local/presence_cache.h"
#include "infrastructure/logging/json_log.h"
#include "infrastructure/metrics/prometheus_metrics.h"
#include "infrastructure/qr/qr_png.h"
#include "infrastructure/ratelimit/token_bucket_limiter.h"
#include "infrastructure/redis/cached_request_state.h"
#include "infrastructure/redis/fallback_stores.h"
#include "infrastructure/redis/outage_gate.h"
#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_idempotency_store.h"
#include "infrastructure/redis/redis_last_seen_index.h"
#include "infrastructure/redis/redis_one_time_claims.h"
#include "infrastructure/redis/redis_presence_store.h"
#include "infrastructure/redis/redis_request_state.h"
#include "infrastructure/system/periodic_task.h"
#include "infrastructure/system/system_clock.h"
#include "infrastructure/system/uuid_v7_generator.h"

#include "service/drain_sequence.h"
#include "service/startup_keys.h"

namespace tastesync::service {
namespace {

namespace log = infrastructure::log;
namespace db = infrastructure::db;
namespace redis = infrastructure::redis;

// How often readiness asks the dependencies: /readyz and gRPC health follow
// a stopped or restarted Redis or PostgreSQL within about this (plus the
// dependency's own timeout).
constexpr std::chrono::milliseconds kReadinessPeriod{250};

int fail_start(const std::string& what, const domain::Error& error) {
  log::error("start.failed", {{"step", what}, {"reason", error.message}, {"key", error.field}});
  std::cerr << "customer-id: " << what << ": " << error.message << '\n';
  return 1;
}

// PostgreSQL may still be starting (a container beside it, a restart): keep
// trying for a while before giving up on the start.
domain::Result<int> migrate_when_reachable(db::PgPool& pool, const std::string& dir) {
  domain::Result<int> applied = db::apply_migrations(pool, dir);
  for (int attempt = 0; !applied && applied.error().code == domain::ErrorCode::kUnavailable && attempt < 30;
       ++attempt) {
    log::warn("postgres.waiting", {{"reason", applied.error().message}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    applied = db::apply_migrations(pool, dir);
  }
  return applied;
}

}  // namespace

int run_server(const ServerArguments& args, const sigset_t& shutdown_signals) {
  auto cfg = config::load_config(args.config_path, config::process_environment());
  if (!cfg) return fail_start("configuration " + args.config_path, cfg.error());
  if (!log::init(cfg->log_level))
    return fail_start("logging", {domain::ErrorCode::kInvalidArgument, "bad level", "logging.level"});

  // ---- PostgreSQL: registry, customers, visits, outbox
  db::PgPool pool(db::PgPoolOptions{.url = cfg->postgres.url, .size = cfg->postgres.pool_size});
  auto migrated = migrate_when_reachable(pool, cfg->postgres.migrations_dir);
  if (!migrated) return fail_start("postgres migrations", migrated.error());
  log::info("postgres.migrated", {{"applied", *migrated}});
  if (args.migrate_only) return 0;

  db::RegistryOptions registry_options;
  registry_options.zone_filter = cfg->zone_filter;
  auto registry = db::PostgresRegistry::create(pool, registry_options);
  if (!registry) return fail_start("registry", registry.error());
  if (!cfg->floor_plan_file.empty()) {
    auto plan = infrastructure::load_floor_plan(cfg->floor_plan_file);
    if (!plan) return fail_start("floor plan", plan.error());
    if (auto seeded = (*registry)->seed_from(*plan); !seeded) return fail_start("floor plan seed", seeded.error());
  }
  db::PostgresVisitLedger ledger(pool);
  // Fault tests stop the process between the ledger commit and the cache write.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing sets the environment after main's first line.
  if (std::getenv("CUSTOMER_ID_TEST_CRASH_AFTER_LEDGER_COMMIT") != nullptr) ledger.exit_after_answer_for_test();
  auto pii = load_pii_keys(cfg->pii);
  if (!pii) return fail_start("pii.keys", pii.error());
  auto devices = db::PostgresCustomerDevices::create(pool, *pii);
  if (!devices) return fail_start("customer devices", devices.error());
  auto customers = db::PostgresCustomerDirectory::create(pool, std::move(*pii));
  if (!customers) return fail_start("customer directory", customers.error());

  // ---- Redis: presence and idempotency, with local fallback during outages
  infrastructure::SystemClock clock;
  const redis::RedisClientOptions redis_options{cfg->redis.timeout, cfg->redis.timeout, cfg->redis.pool_size};
  auto redis_client = cfg->redis.cluster_nodes.empty()
                          ? redis::RedisClient::create(cfg->redis.url, redis_options)
                          : redis::RedisClient::create_cluster(cfg->redis.cluster_nodes, redis_options);
  if (!redis_client) return fail_start("redis", redis_client.error());
  redis::RedisPresenceStore redis_presence(
      *redis_client, cfg->redis.presence_ttl,
      redis::RedisPresenceStore::index_step_for(cfg->presence.leave_after, cfg->redis.presence_ttl));
  redis::RedisIdempotencyStore redis_idempotency(*redis_client, cfg->idempotency_ttl);
  auto redis_gate = std::make_shared<redis::OutageGate>(clock, std::chrono::seconds(1));
  auto cache_fence =
      std::make_shared<redis::CacheFence>(redis_gate, [&redis_presence] { return redis_presence.advance_epoch(); });
  redis::FallbackPresenceStore presence(redis_presence, redis_gate, cache_fence);
  redis::FallbackIdempotencyStore idempotency(redis_idempotency, redis_gate, cfg->idempotency_capacity,
                                              cfg->idempotency_ttl);
  // Each Identify's reads and writes in one round trip each, over the same keys;
  // the read is skipped while this instance holds the customer's last record.
  redis::RedisRequestState redis_request_state(*redis_client, redis_presence, redis_idempotency);
  infrastructure::PresenceCache presence_cache(cfg->redis.presence_cache_capacity);
  redis::CachedRequestState cached_request_state(redis_request_state, presence_cache, *redis_gate);
  redis::FallbackRequestState request_state(cached_request_state, presence, idempotency, redis_gate, cache_fence);

  // ---- Kafka: the outbox relay
  std::unique_ptr<infrastructure::kafka::KafkaPublisher> publisher;
  std::unique_ptr<infrastructure::kafka::OutboxRelay> relay;
  if (cfg->kafka.brokers.empty()) {
    log::warn("kafka.not_configured", {{"reason", "kafka.brokers is empty: events stay in the outbox"}});
  } else {
    auto created =
        infrastructure::kafka::KafkaPublisher::create({.brokers = cfg->kafka.brokers, .topic = cfg->kafka.topic});
    if (!created) return fail_start("kafka", created.error());
    publisher = std::move(*created);
    infrastructure::kafka::OutboxRelayOptions relay_options;
    relay_options.keep_delivered = cfg->kafka.keep_delivered;
    relay_options.balance_interval = cfg->kafka.relay_balance;
    relay = std::make_unique<infrastructure::kafka::OutboxRelay>(pool, *publisher, relay_options);
    relay->start();
  }
  infrastructure::kafka::OutboxWakeup outbox_wakeup(relay.get());
  // Committed transitions go to the relay; the live floor pages watching a
  // store get every instance's, as the ledger announces them on commit.
  infrastructure::live::FloorFeed events(outbox_wakeup, infrastructure::live::FloorFeed::Fanout::kAnnounced);
  // The announcement also wakes this instance's relay: the partition of
  // another instance's commit may be this relay's (else it would wait for
  // its next poll).
  db::PostgresFloorListener floor_listener(
      pool,
      [&events, &relay](const domain::DomainEvent& event) {
        events.announce(event);
        if (relay) relay->wake();
      },
      [&events] {
        log::info("floor_listener.listening", {});
        events.resync();
      },
      [](const std::string& reason) {
        log::warn("floor_listener.disconnected", {{"reason", reason}});
      });

  // ---- credentials and the table QR key ring
  auto public_keys = load_jwt_keys(cfg->auth);
  if (!public_keys) return fail_start("auth.public_keys", public_keys.error());
  auto verifier = auth::JwtVerifier::create(*public_keys, cfg->auth.issuer, cfg->auth.audience, cfg->auth.clock_skew,
                                            clock, cfg->auth.token_cache_capacity);
  if (!verifier) return fail_start("auth", verifier.error());
  auto qr_secrets = load_hmac_keys(cfg->table_qr.secrets, cfg->table_qr.active_key_id, "table_qr.secrets");
  if (!qr_secrets) return fail_start("table_qr.secrets", qr_secrets.error());
  auto table_qr = infrastructure::HmacTableQrCodec::create(std::move(*qr_secrets));
  if (!table_qr) return fail_start("table_qr", table_qr.error());
  auto code_secrets =
      load_hmac_keys(cfg->customer_code.secrets, cfg->customer_code.active_key_id, "customer_code.secrets");
  if (!code_secrets) return fail_start("customer_code.secrets", code_secrets.error());
  auto customer_codes =
      infrastructure::HmacCustomerCodeCodec::create(std::move(*code_secrets), cfg->customer_code.lifetime);
  if (!customer_codes) return fail_start("customer_code", customer_codes.error());
  if (!cfg->table_qr.key_validity.empty()) {
    std::map<std::string, infrastructure::TableQrKeyValidity, std::less<>> windows;
    for (const auto& [kid, window] : cfg->table_qr.key_validity) windows[kid] = {window.not_before, window.not_after};
    (*table_qr)->limit_validity(std::move(windows), clock);
  }

  // ---- use cases and transports
  infrastructure::UuidV7Generator ids;
  application::IdentifyLimits identify_limits = cfg->identify;
  identify_limits.answers_kept_for = cfg->idempotency_ttl;
  application::IdentifyCustomerUseCase identify(
      application::IdentifyDependencies{**registry, presence, ledger, events, idempotency, request_state, **table_qr,
                                        clock, ids},
      cfg->resolver, identify_limits);
  // Leaving: every instance sweeps; the ledger's compare-and-set records each
  // leave (and its one CustomerLeftStore) once. The index is written by
  // redis_presence's save script and read here.
  redis::RedisLastSeenIndex last_seen(*redis_client);
  // A Redis written before the index had buckets: move its index over, so
  // open visits are still closed by the sweep (docs/operations.md).
  if (auto adopted = last_seen.adopt_unbucketed(); !adopted) {
    log::warn("redis.last_seen_upgrade_pending", {{"reason", adopted.error().message}});
  } else if (*adopted > 0) {
    log::info("redis.last_seen_upgraded", {{"customers", *adopted}});
  }
  application::LeaveDetectionSettings leave_settings;
  leave_settings.leave_after = cfg->presence.leave_after;
  leave_settings.ledger_hold = cfg->identify.ledger_hold;
  leave_settings.answers_kept_for = cfg->idempotency_ttl;
  application::LeaveDetectionUseCase leave_detection(
      application::LeaveDetectionDependencies{last_seen, ledger, events, ids, presence}, leave_settings);
  application::LeaveSweepSchedule sweep_schedule(cfg->presence.leave_after);
  infrastructure::PeriodicTask leave_sweeper(
      "leave_detection", std::chrono::duration_cast<std::chrono::milliseconds>(cfg->presence.sweep_interval), [&] {
        const domain::Timestamp now = clock.now();
        if (!sweep_schedule.may_sweep(now, redis_gate->degraded(), redis_gate->outages())) return;
        auto left = leave_detection.sweep(now);
        if (!left) {
          log::warn("leave_detection.failed", {{"reason", left.error().message}});
        } else if (*left > 0) {
          log::info("leave_detection.swept", {{"left", *left}});
        }
      });
  // Store scanners (ways 3 and 4): phones' rotating ids and entrance codes.
  infrastructure::PhoneBeaconIndex phone_index(**devices, cfg->phone_beacon.rotation_period,
                                               cfg->phone_beacon.refresh_interval);
  redis::RedisOneTimeClaims one_time_claims(*redis_client);
  application::StoreScannerUseCase store_scanner(
      application::StoreScannerDependencies{identify, phone_index, **customer_codes, one_time_claims, clock},
      application::StoreScannerSettings{cfg->phone_beacon.rotation_period, cfg->customer_code.lifetime, cfg->identify});
  application::CustomerCredentialsUseCase customer_credentials(
      application::CustomerCredentialsDependencies{**devices, phone_index, **customer_codes, clock},
      application::PhoneBeaconSettings{cfg->phone_beacon.uuid, cfg->phone_beacon.rotation_period});
  infrastructure::QrPngRenderer qr_png;
  application::AdminUseCases admin(**registry, **registry, **customers, ledger, **table_qr, qr_png);
  application::CalibrationUseCase calibration(**registry, **registry);
  application::StoreFloorUseCase store_floor(**registry, ledger, **customers, events);
  db::PostgresStoreAnalytics analytics_queries(pool);
  application::StoreAnalyticsUseCase store_analytics(**registry, analytics_queries);

  infrastructure::metrics::PrometheusMetrics metrics;
  // The token cache keeps its own counts; each scrape reports what changed.
  metrics.on_scrape([&metrics, &tokens = **verifier, hits = std::uint64_t{0}, misses = std::uint64_t{0}]() mutable {
    const std::uint64_t now_hits = tokens.cache_hits();
    const std::uint64_t now_misses = tokens.cache_misses();
    metrics.cache_lookups("token", now_hits - hits, now_misses - misses);
    hits = now_hits;
    misses = now_misses;
  });
  application::MeteredIdentifyCustomer metered_identify(identify, metrics);
  application::MeteredStoreScanner metered_scanner(store_scanner, metrics);
  infrastructure::TokenBucketLimiter bucket_limits(
      infrastructure::RateLimitSettings{
          .customer = {cfg->rate_limit.customer_per_second, cfg->rate_limit.customer_burst},
          .device = {cfg->rate_limit.device_per_second, cfg->rate_limit.device_burst},
          .scanner = {cfg->rate_limit.scanner_per_second, cfg->rate_limit.scanner_burst}},
      clock);
  application::MeteredRateLimiter rate_limits(bucket_limits, metrics);
  infrastructure::grpc_adapter::WorkerPool workers(infrastructure::grpc_adapter::WorkerPoolOptions{
      .threads = cfg->grpc.handler_threads,
      .max_queued = cfg->grpc.max_queued_requests,
      .max_queue_delay = cfg->grpc.max_queue_delay,
      .on_wait = [&metrics](std::chrono::steady_clock::duration waited) {
        metrics.request_queued(std::chrono::duration<double>(waited).count());
      }});
  // The pool keeps its own counts; each scrape reports what changed.
  metrics.on_scrape([&metrics, &workers,
                     reported = std::array<std::uint64_t, infrastructure::grpc_adapter::kShedReasons>{}]() mutable {
    using infrastructure::grpc_adapter::Shed;
    for (std::size_t index = 0; index < reported.size(); ++index) {
      const auto reason = static_cast<Shed>(index);
      const std::uint64_t now = workers.shed_count(reason);
      auto& before = reported[index];
      if (now > before) metrics.requests_shed(infrastructure::grpc_adapter::to_string(reason), now - before);
      before = now;
    }
  });
  // The RPC table's use cases and gate, shared by both transports.
  const infrastructure::grpc_adapter::RpcUseCases rpc_uses{.identify = &metered_identify,
                                                           .admin = &admin,
                                                           .scanner = &metered_scanner,
                                                           .credentials = &customer_credentials,
                                                           .floor = &store_floor,
                                                           .analytics = &store_analytics,
                                                           .calibration = &calibration};
  const infrastructure::grpc_adapter::RpcGate rpc_gate{
      .tokens = **verifier, .limits = &rate_limits, .workers = &workers};
  infrastructure::grpc_adapter::IdentificationGrpcService identification(rpc_uses, rpc_gate);
  infrastructure::grpc_adapter::AdminGrpcService admin_service(rpc_uses, rpc_gate);
  infrastructure::grpc_adapter::BaselineGrpcService baseline(rpc_uses, rpc_gate);
  infrastructure::grpc_adapter::StoreScannerGrpcService store_scanner_service(rpc_uses, rpc_gate);
  infrastructure::grpc_adapter::CustomerCredentialsGrpcService credentials_service(rpc_uses, rpc_gate);
  std::vector<grpc::Service*> services{&identification, &admin_service};
  services.push_back(&store_scanner_service);
  services.push_back(&credentials_service);
  if (cfg->bench_baseline) services.push_back(&baseline);

  infrastructure::grpc_adapter::GrpcServerOptions options;
  options.listen = cfg->grpc.listen;
  options.tls.enabled = cfg->grpc.tls;
  options.max_message_bytes = static_cast<int>(cfg->grpc.max_message_bytes);
  options.metrics = &metrics;
  if (options.tls.enabled) {
    auto cert = auth::read_key_file(cfg->grpc.cert_file);
    if (!cert) return fail_start("grpc.cert_file", cert.error());
    auto key = auth::read_key_file(cfg->grpc.key_file);
    if (!key) return fail_start("grpc.key_file", key.error());
    options.tls.cert_pem = *cert;
    options.tls.key_pem = *key;
    if (!cfg->grpc.client_ca_file.empty()) {
      auto client_ca = auth::read_key_file(cfg->grpc.client_ca_file);
      if (!client_ca) return fail_start("grpc.client_ca_file", client_ca.error());
      options.tls.client_ca_pem = *client_ca;
    }
  }
  auto running = infrastructure::grpc_adapter::start_grpc_server(options, services);
  if (!running) return fail_start("grpc", running.error());

  // ---- the HTTPS/JSON gateway: the same use cases, plus the operations routes
  infrastructure::health::Readiness readiness_state;
  infrastructure::http::Router router(metrics);
  infrastructure::http::add_operations_routes(router, readiness_state, [&metrics] { return metrics.scrape(); });
  infrastructure::http::add_json_api(router, {.uses = rpc_uses, .gate = rpc_gate, .baseline = cfg->bench_baseline});
  infrastructure::http::add_floor_page_routes(router, {.floor = store_floor,
                                                       .analytics = store_analytics,
                                                       .tokens = **verifier,
                                                       .workers = &workers,
                                                       .limits = &rate_limits});
  std::unique_ptr<infrastructure::http::HttpsServer> http_server;
  if (cfg->http.enabled) {
    infrastructure::http::HttpsServerOptions http_options;
    http_options.listen = cfg->http.listen;
    http_options.threads = cfg->http.threads;
    http_options.max_body_bytes = cfg->http.max_body_bytes;
    http_options.request_timeout = cfg->http.request_timeout;
    auto cert = auth::read_key_file(cfg->http.cert_file);
    if (!cert) return fail_start("http.cert_file", cert.error());
    auto key = auth::read_key_file(cfg->http.key_file);
    if (!key) return fail_start("http.key_file", key.error());
    http_options.cert_pem = *cert;
    http_options.key_pem = *key;
    auto started = infrastructure::http::HttpsServer::start(
        http_options,
        [&router](const infrastructure::http::HttpRequest& request, infrastructure::http::Respond respond) {
          router.dispatch(request, std::move(respond));
        });
    if (!started) return fail_start("http", started.error());
    http_server = std::move(*started);
  }
  leave_sweeper.start();

  const auto plan = (*registry)->current();
  log::info("serving", {{"grpc_port", running->port},
                        {"http_port", http_server ? http_server->port() : 0},
                        {"tls", options.tls.enabled},
                        {"mutual_tls", !options.tls.client_ca_pem.empty()},
                        {"stores", plan->store_count()},
                        {"beacons", plan->beacon_count()},
                        {"kafka", !cfg->kafka.brokers.empty()},
                        {"version", args.version},
                        {"revision", args.revision}});
  if (!args.port_file.empty()) {
    // Written to a temporary name and renamed, so a reader never sees half.
    const std::string temporary = args.port_file + ".tmp";
    // Line 1 the gRPC port, line 2 the HTTPS port (0 when disabled).
    std::ofstream(temporary) << running->port << '\n' << (http_server ? http_server->port() : 0) << '\n';
    std::rename(temporary.c_str(), args.port_file.c_str());
  }

  infrastructure::health::ReadinessMonitor readiness_monitor(
      readiness_state,
      [&] {
        infrastructure::health::ReadinessSample sample;
        // Redis is asked, not inferred from traffic: an idle instance would
        // otherwise report a stopped Redis "up" until a request failed. A
        // failed ping also sends requests to the local fallback at once.
        const auto redis_ping = (*redis_client)->ping();
        sample.redis_reachable = redis_ping.has_value();
        if (!redis_ping && redis_ping.error().code == domain::ErrorCode::kUnavailable) {
          redis_gate->primary_failed(redis_ping.error(), "readiness.ping");
        }
        sample.postgres_reachable = pool.ping().has_value();
        if (sample.postgres_reachable && relay) {
          const auto backlog = relay->backlog();
          if (backlog) {
            metrics.outbox_backlog(backlog->rows, backlog->oldest_age_seconds);
            sample.waiting_events = backlog->rows;
            sample.oldest_waiting_seconds = backlog->oldest_age_seconds;
          }
          sample.relaying = relay->is_leader();
          sample.since_last_delivery = std::chrono::steady_clock::now() - publisher->last_success();
        }
        return sample;
      },
      [&running](bool ready, const infrastructure::health::DependencyStates& states) {
        running->server->GetHealthCheckService()->SetServingStatus(ready);
        log::warn(ready ? "ready" : "not_ready", {{"postgres", states.postgres}, {"kafka", states.kafka}});
      },
      cfg->kafka.unreachable_after, kReadinessPeriod);
  readiness_monitor.start();

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  log::info("stopping", {{"signal", signal_number}, {"drain_seconds", cfg->server.drain.count()}});
  const DrainDeadlines deadlines = plan_drain(std::chrono::steady_clock::now(), cfg->server.drain);
  arm_drain_watchdog(deadlines.drained_by);
  run_drain(DrainSteps{.refuse_new =
                           [&] {
                             readiness_state.start_draining();
                             running->server->GetHealthCheckService()->SetServingStatus(false);
                             if (http_server) http_server->drain();
                           },
                       .finish_grpc =
                           [&](std::chrono::steady_clock::time_point by) {
                             running->server->Shutdown(std::chrono::system_clock::now() +
                                                       (by - std::chrono::steady_clock::now()));
                             running->server->Wait();
                           },
                       .finish_https =
                           [&](std::chrono::steady_clock::time_point by) {
                             if (!http_server) return true;
                             const bool idle = http_server->wait_idle(by);
                             if (!idle) log::warn("http.drain_incomplete", {{"in_flight", http_server->in_flight()}});
                             http_server->stop();
                             return idle;
                           },
                       .stop_background =
                           [&] {
                             readiness_monitor.stop();
                             leave_sweeper.stop();
                           },
                       .flush_events =
                           [&] {
                             if (!relay) return;
                             relay->wake();  // events of the last requests go out now, not at the next poll
                             relay->stop();
                           }},
            deadlines);
  log::info("stopped", {{"events_relayed", relay ? relay->published() : 0}});
  return 0;
}

}  // namespace tastesync::service
