#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "domain/services/zone_model.h"

namespace tastesync::config {
namespace {

using domain::ErrorCode;
using domain::fail;
using Values = std::map<std::string, std::string>;

// Every key the service understands; anything else in the file is a typo.
const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {
      "grpc.listen",
      "grpc.tls",
      "grpc.cert_file",
      "grpc.key_file",
      "grpc.max_message_bytes",
      "grpc.handler_threads",
      "grpc.max_queued_requests",
      "grpc.max_queue_delay_ms",
      "grpc.client_ca_file",
      "auth.issuer",
      "auth.audience",
      "auth.clock_skew_seconds",
      "auth.public_keys",
      "auth.public_keys_dir",
      "auth.token_cache_capacity",
      "table_qr.active_key_id",
      "table_qr.secrets",
      "table_qr.key_validity",
      "floor_plan.file",
      "postgres.url",
      "postgres.pool_size",
      "postgres.migrations_dir",
      "redis.url",
      "redis.cluster_nodes",
      "redis.pool_size",
      "redis.timeout_ms",
      "redis.presence_ttl_seconds",
      "redis.presence_cache_capacity",
      "presence.leave_after_seconds",
      "presence.sweep_interval_seconds",
      "pii.active_key_id",
      "pii.keys",
      "customer_code.active_key_id",
      "customer_code.secrets",
      "customer_code.lifetime_seconds",
      "phone_beacon.uuid",
      "phone_beacon.rotation_period_seconds",
      "phone_beacon.refresh_interval_seconds",
      "kafka.brokers",
      "kafka.topic",
      "kafka.unreachable_after_seconds",
      "kafka.keep_delivered_hours",
      "kafka.relay_balance_ms",
      "identify.max_sightings",
      "identify.max_clock_skew_seconds",
      "identify.idempotency_ttl_seconds",
      "identify.idempotency_capacity",
      "identify.ledger_hold_seconds",
      "resolver.smoothing_alpha",
      "resolver.path_loss_exponent",
      "resolver.switch_margin_db",
      "resolver.dwell_sightings",
      "resolver.stale_after_seconds",
      "resolver.switch_evidence_db",
      "resolver.max_dominance_db",
      "resolver.cushion_share",
      "zone_filter.table_mean_stay_seconds",
      "zone_filter.entrance_mean_stay_seconds",
      "zone_filter.passing_mean_stay_seconds",
      "zone_filter.settle_share",
      "zone_filter.jump_share",
      "zone_filter.neighbour_slack",
      "zone_filter.entrance_prior",
      "zone_filter.new_visit_after_seconds",
      "zone_filter.path_loss_exponent",
      "zone_filter.path_loss_sigma_db",
      "zone_filter.miss_probability",
      "zone_filter.report_weight",
      "zone_filter.kernel_weight",
      "zone_filter.max_kernel_scans",
      "logging.level",
      "bench.baseline_service",
      "rate_limit.customer_per_second",
      "rate_limit.customer_burst",
      "rate_limit.device_per_second",
      "rate_limit.device_burst",
      "rate_limit.scanner_per_second",
      "rate_limit.scanner_burst",
      "plausibility.max_speed_kmh",
      "http.enabled",
      "http.listen",
      "http.threads",
      "http.max_body_bytes",
      "http.request_timeout_seconds",
      "http.cert_file",
      "http.key_file",
      "server.drain_seconds",
  };
  return keys;
}

domain::Result<void> flatten(const YAML::Node& node, const std::string& prefix, Values& out) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      const std::string key =
          prefix.empty() ? item.first.as<std::string>() : prefix + "." + item.first.as<std::string>();
      if (auto ok = flatten(item.second, key, out); !ok) return ok;
    }
    return {};
  }
  if (node.IsSequence()) {
    return fail(ErrorCode::kInvalidArgument,
                "configuration key '" + prefix + "' must be a scalar (lists are comma-separated strings)", prefix);
  }
  if (node.IsScalar()) out[prefix] = node.Scalar();
  return {};
}

// YYYY-MM-DDTHH:MM:SSZ, nothing else.
std::optional<domain::Timestamp> parse_utc(const std::string& text) {
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char zulu = 0;
  int consumed = 0;
  // %n and the field count make sscanf report every malformed instant.
  // NOLINTNEXTLINE(cert-err34-c)
  if (std::sscanf(text.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%c%n", &year, &month, &day, &hour, &minute, &second, &zulu,
                  &consumed) != 7 ||
      zulu != 'Z' || static_cast<std::size_t>(consumed) != text.size() || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!date.ok()) return std::nullopt;
  return domain::Timestamp(std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                           std::chrono::seconds(second));
}

class Reader {
 public:
  explicit Reader(const Values& values) : values_(values) {}

  domain::Result<void> text(const std::string& key, std::string& out) const {
    if (const auto it = values_.find(key); it != values_.end()) out = it->second;
    return {};
  }
  template <typename Number>
  domain::Result<void> number(const std::string& key, Number& out, Number min, Number max) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return {};
    Number value{};
    const std::string& text = it->second;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
      return fail(ErrorCode::kInvalidArgument, "configuration key '" + key + "' must be a number, got '" + text + "'",
                  key);
    }
    if (value < min || value > max) {
      std::ostringstream message;
      message << "configuration key '" << key << "' must be between " << min << " and " << max << ", got " << text;
      return fail(ErrorCode::kInvalidArgument, message.str(), key);
    }
    out = value;
    return {};
  }
  domain::Result<void> seconds(const std::string& key, std::chrono::seconds& out, long min, long max) const {
    long value = static_cast<long>(out.count());
    if (auto ok = number<long>(key, value, min, max); !ok) return ok;
    out = std::chrono::seconds(value);
    return {};
  }
  domain::Result<void> boolean(const std::string& key, bool& out) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return {};
    if (it->second == "true") {
      out = true;
    } else if (it->second == "false") {
      out = false;
    } else {
      return fail(ErrorCode::kInvalidArgument,
                  "configuration key '" + key + "' must be true or false, got '" + it->second + "'", key);
    }
    return {};
  }
  // "kid=path,kid2=path2"; "" only where `may_be_empty` (keys come from elsewhere too).
  domain::Result<void> key_files(const std::string& key, std::vector<KeyFile>& out, bool may_be_empty = false) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return {};
    if (may_be_empty && it->second.empty()) {
      out.clear();
      return {};
    }
    std::vector<KeyFile> files;
    std::stringstream list(it->second);
    std::string item;
    while (std::getline(list, item, ',')) {
      const auto equals = item.find('=');
      if (equals == std::string::npos || equals == 0 || equals + 1 == item.size()) {
        return fail(
            ErrorCode::kInvalidArgument,
            "configuration key '" + key + "' must be a comma-separated list of key_id=path, got '" + it->second + "'",
            key);
      }
      files.push_back(KeyFile{item.substr(0, equals), item.substr(equals + 1)});
    }
    if (files.empty())
      return fail(ErrorCode::kInvalidArgument, "configuration key '" + key + "' needs at least one key_id=path", key);
    out = std::move(files);
    return {};
  }
  // "kid=FROM/UNTIL,..." with RFC 3339 UTC instants (2025-01-01T00:00:00Z);
  // either side may be empty (open).
  domain::Result<void> key_windows(const std::string& key, std::map<std::string, TimeWindow>& out) const {
    const auto it = values_.find(key);
    if (it == values_.end() || it->second.empty()) return {};
    const auto bad = [&](const std::string& why) {
      return fail(ErrorCode::kInvalidArgument,
                  "configuration key '" + key + "' must be kid=FROM/UNTIL,... (RFC 3339 UTC, e.g. " +
                      "qr-1=2025-01-01T00:00:00Z/2026-01-01T00:00:00Z): " + why,
                  key);
    };
    std::map<std::string, TimeWindow> windows;
    std::stringstream list(it->second);
    std::string item;
    while (std::getline(list, item, ',')) {
      const auto equals = item.find('=');
      const auto slash = item.find('/', equals == std::string::npos ? 0 : equals);
      if (equals == std::string::npos || equals == 0 || slash == std::string::npos) return bad("got '" + item + "'");
      TimeWindow window;
      const std::string from = item.substr(equals + 1, slash - equals - 1);
      const std::string until = item.substr(slash + 1);
      if (!from.empty()) {
        window.not_before = parse_utc(from);
        if (!window.not_before) return bad("bad instant '" + from + "'");
      }
      if (!until.empty()) {
        window.not_after = parse_utc(until);
        if (!window.not_after) return bad("bad instant '" + until + "'");
      }
      if (window.not_before && window.not_after && *window.not_after <= *window.not_before) {
        return bad("'" + item + "' ends before it starts");
      }
      windows[item.substr(0, equals)] = window;
    }
    out = std::move(windows);
    return {};
  }

 private:
  const Values& values_;
};

bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

#define CID_TRY(expr)                               \
  if (auto ok_ = (expr); !ok_) {                    \
    return std::unexpected(std::move(ok_.error())); \
  }

domain::Result<Config> read(const Values& values) {
  Config config;
  const Reader r(values);
  CID_TRY(r.text("grpc.listen", config.grpc.listen));
  CID_TRY(r.boolean("grpc.tls", config.grpc.tls));
  CID_TRY(r.text("grpc.cert_file", config.grpc.cert_file));
  CID_TRY(r.text("grpc.key_file", config.grpc.key_file));
  CID_TRY(r.number<std::size_t>("grpc.max_message_bytes", config.grpc.max_message_bytes, 1024, 16 * 1024 * 1024));
  CID_TRY(r.number<std::size_t>("grpc.handler_threads", config.grpc.handler_threads, 1, 1024));
  CID_TRY(r.number<std::size_t>("grpc.max_queued_requests", config.grpc.max_queued_requests, 1, 1000000));
  long queue_delay_ms = static_cast<long>(config.grpc.max_queue_delay.count());
  CID_TRY(r.number<long>("grpc.max_queue_delay_ms", queue_delay_ms, 1, 60000));
  config.grpc.max_queue_delay = std::chrono::milliseconds(queue_delay_ms);
  CID_TRY(r.text("grpc.client_ca_file", config.grpc.client_ca_file));
  CID_TRY(r.text("auth.issuer", config.auth.issuer));
  CID_TRY(r.text("auth.audience", config.auth.audience));
  CID_TRY(r.seconds("auth.clock_skew_seconds", config.auth.clock_skew, 0, 600));
  CID_TRY(r.key_files("auth.public_keys", config.auth.public_keys, /*may_be_empty=*/true));
  CID_TRY(r.text("auth.public_keys_dir", config.auth.public_keys_dir));
  if (config.auth.public_keys.empty() && config.auth.public_keys_dir.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "configuration key 'auth.public_keys' or 'auth.public_keys_dir' must name at least one public key",
                "auth.public_keys");
  }
  CID_TRY(r.number<std::size_t>("auth.token_cache_capacity", config.auth.token_cache_capacity, 0, 10000000));
  CID_TRY(r.text("table_qr.active_key_id", config.table_qr.active_key_id));
  CID_TRY(r.key_files("table_qr.secrets", config.table_qr.secrets));
  CID_TRY(r.key_windows("table_qr.key_validity", config.table_qr.key_validity));
  CID_TRY(r.text("floor_plan.file", config.floor_plan_file));
  CID_TRY(r.text("postgres.url", config.postgres.url));
  CID_TRY(r.number<std::size_t>("postgres.pool_size", config.postgres.pool_size, 1, 256));
  CID_TRY(r.text("postgres.migrations_dir", config.postgres.migrations_dir));
  CID_TRY(r.text("redis.url", config.redis.url));
  CID_TRY(r.text("redis.cluster_nodes", config.redis.cluster_nodes));
  CID_TRY(r.number<std::size_t>("redis.pool_size", config.redis.pool_size, 1, 256));
  long redis_timeout_ms = static_cast<long>(config.redis.timeout.count());
  CID_TRY(r.number<long>("redis.timeout_ms", redis_timeout_ms, 1, 10000));
  config.redis.timeout = std::chrono::milliseconds(redis_timeout_ms);
  CID_TRY(r.seconds("redis.presence_ttl_seconds", config.redis.presence_ttl, 60, 7 * 24 * 3600));
  CID_TRY(r.number<std::size_t>("redis.presence_cache_capacity", config.redis.presence_cache_capacity, 0, 10'000'000));
  // Small values are for tests; a day is far past any meal.
  CID_TRY(r.seconds("presence.leave_after_seconds", config.presence.leave_after, 1, 24 * 3600));
  CID_TRY(r.seconds("presence.sweep_interval_seconds", config.presence.sweep_interval, 1, 3600));
  CID_TRY(r.text("kafka.brokers", config.kafka.brokers));
  CID_TRY(r.text("kafka.topic", config.kafka.topic));
  CID_TRY(r.seconds("kafka.unreachable_after_seconds", config.kafka.unreachable_after, 1, 86400));
  long keep_delivered_hours = config.kafka.keep_delivered.count();
  CID_TRY(r.number<long>("kafka.keep_delivered_hours", keep_delivered_hours, 0, 24 * 3650));
  config.kafka.keep_delivered = std::chrono::hours(keep_delivered_hours);
  long relay_balance_ms = config.kafka.relay_balance.count();
  CID_TRY(r.number<long>("kafka.relay_balance_ms", relay_balance_ms, 10, 60000));
  config.kafka.relay_balance = std::chrono::milliseconds(relay_balance_ms);
  CID_TRY(r.text("pii.active_key_id", config.pii.active_key_id));
  CID_TRY(r.key_files("pii.keys", config.pii.keys));
  CID_TRY(r.text("customer_code.active_key_id", config.customer_code.active_key_id));
  CID_TRY(r.key_files("customer_code.secrets", config.customer_code.secrets));
  // Long enough to walk up to the scanner, short enough that a photographed
  // code is soon worthless.
  CID_TRY(r.seconds("customer_code.lifetime_seconds", config.customer_code.lifetime, 5, 600));
  CID_TRY(r.text("phone_beacon.uuid", config.phone_beacon.uuid));
  // Eddystone-EID rotates every 2^k s (k = 0..15); minutes suit a phone
  // walking in, and a longer period gives a cloned id longer to be used.
  CID_TRY(r.seconds("phone_beacon.rotation_period_seconds", config.phone_beacon.rotation_period, 10, 3600));
  CID_TRY(r.seconds("phone_beacon.refresh_interval_seconds", config.phone_beacon.refresh_interval, 1, 3600));
  CID_TRY(r.number<std::size_t>("identify.max_sightings", config.identify.max_sightings, 1, 1024));
  CID_TRY(r.seconds("identify.max_clock_skew_seconds", config.identify.max_clock_skew, 1, 3600));
  CID_TRY(r.seconds("identify.idempotency_ttl_seconds", config.idempotency_ttl, 1, 7 * 24 * 3600));
  CID_TRY(r.number<std::size_t>("identify.idempotency_capacity", config.idempotency_capacity, 16, 100000000));
  // Must outlast any ledger transaction (postgres statement timeout 5 s, pool
  // acquire 2 s): a shorter hold could lapse while its writer still commits.
  CID_TRY(r.seconds("identify.ledger_hold_seconds", config.identify.ledger_hold, 10, 3600));
  CID_TRY(r.number<double>("resolver.smoothing_alpha", config.resolver.smoothing_alpha, 0.01, 1.0));
  CID_TRY(r.number<double>("resolver.path_loss_exponent", config.resolver.path_loss_exponent, 1.0, 6.0));
  CID_TRY(r.number<double>("resolver.switch_margin_db", config.resolver.switch_margin_db, 0.0, 40.0));
  CID_TRY(r.number<int>("resolver.dwell_sightings", config.resolver.dwell_sightings, 1, 100));
  CID_TRY(r.seconds("resolver.stale_after_seconds", config.resolver.stale_after, 1, 3600));
  CID_TRY(r.number<double>("resolver.switch_evidence_db", config.resolver.switch_evidence_db, 0.0, 200.0));
  CID_TRY(r.number<double>("resolver.max_dominance_db", config.resolver.max_dominance_db, 0.0, 500.0));
  CID_TRY(r.number<double>("resolver.cushion_share", config.resolver.cushion_share, 0.0, 1.0));
  domain::ZoneModelSettings& filter = config.zone_filter;
  CID_TRY(r.seconds("zone_filter.table_mean_stay_seconds", filter.table_mean_stay, 1, 86400));
  CID_TRY(r.seconds("zone_filter.entrance_mean_stay_seconds", filter.entrance_mean_stay, 1, 3600));
  CID_TRY(r.seconds("zone_filter.passing_mean_stay_seconds", filter.passing_mean_stay, 1, 600));
  CID_TRY(r.number<double>("zone_filter.settle_share", filter.settle_share, 0.0, 1.0));
  CID_TRY(r.number<double>("zone_filter.jump_share", filter.jump_share, 0.0, 1.0));
  CID_TRY(r.number<double>("zone_filter.neighbour_slack", filter.neighbour_slack, 1.0, 10.0));
  CID_TRY(r.number<double>("zone_filter.entrance_prior", filter.entrance_prior, 0.0, 0.99));
  CID_TRY(r.seconds("zone_filter.new_visit_after_seconds", filter.new_visit_after, 1, 86400));
  CID_TRY(r.number<double>("zone_filter.path_loss_exponent", filter.path_loss_exponent, 1.0, 6.0));
  CID_TRY(r.number<double>("zone_filter.path_loss_sigma_db", filter.path_loss_sigma_db, 0.5, 30.0));
  CID_TRY(r.number<double>("zone_filter.miss_probability", filter.miss_probability, 0.0, 0.99));
  CID_TRY(r.number<double>("zone_filter.report_weight", filter.report_weight, 0.01, 1.0));
  CID_TRY(r.number<double>("zone_filter.kernel_weight", filter.kernel_weight, -1.0, 1.0));
  CID_TRY(r.number<std::size_t>("zone_filter.max_kernel_scans", filter.max_kernel_scans, 1, 1000));
  if (auto valid = domain::check_zone_model_settings(filter); !valid) {
    return fail(ErrorCode::kInvalidArgument, "zone_filter: " + valid.error().message,
                "zone_filter." + valid.error().field);
  }
  CID_TRY(r.text("logging.level", config.log_level));
  CID_TRY(r.boolean("bench.baseline_service", config.bench_baseline));
  CID_TRY(r.number<double>("rate_limit.customer_per_second", config.rate_limit.customer_per_second, 0.0, 1e6));
  CID_TRY(r.number<double>("rate_limit.customer_burst", config.rate_limit.customer_burst, 1.0, 1e6));
  CID_TRY(r.number<double>("rate_limit.device_per_second", config.rate_limit.device_per_second, 0.0, 1e6));
  CID_TRY(r.number<double>("rate_limit.device_burst", config.rate_limit.device_burst, 1.0, 1e6));
  CID_TRY(r.number<double>("rate_limit.scanner_per_second", config.rate_limit.scanner_per_second, 0.0, 1e6));
  CID_TRY(r.number<double>("rate_limit.scanner_burst", config.rate_limit.scanner_burst, 1.0, 1e6));
  CID_TRY(r.number<double>("plausibility.max_speed_kmh", config.identify.max_travel_speed_kmh, 0.0, 100000.0));
  CID_TRY(r.boolean("http.enabled", config.http.enabled));
  CID_TRY(r.text("http.listen", config.http.listen));
  CID_TRY(r.number<std::size_t>("http.threads", config.http.threads, 1, 256));
  CID_TRY(r.number<std::size_t>("http.max_body_bytes", config.http.max_body_bytes, 1024, 16 * 1024 * 1024));
  CID_TRY(r.seconds("http.request_timeout_seconds", config.http.request_timeout, 1, 3600));
  CID_TRY(r.text("http.cert_file", config.http.cert_file));
  CID_TRY(r.text("http.key_file", config.http.key_file));
  CID_TRY(r.seconds("server.drain_seconds", config.server.drain, 1, 600));
  if (config.http.cert_file.empty()) config.http.cert_file = config.grpc.cert_file;
  if (config.http.key_file.empty()) config.http.key_file = config.grpc.key_file;
  if (config.http.listen.find(':') == std::string::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "configuration key 'http.listen' must be host:port, got '" + config.http.listen + "'", "http.listen");
  }

  if (config.grpc.listen.find(':') == std::string::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "configuration key 'grpc.listen' must be host:port, got '" + config.grpc.listen + "'", "grpc.listen");
  }
  if (!config.grpc.tls) {
    // Plaintext only where nobody else can listen in.
    const bool loopback = config.grpc.listen.starts_with("127.") || config.grpc.listen.starts_with("localhost:") ||
                          config.grpc.listen.starts_with("[::1]:");
    if (!loopback) {
      return fail(ErrorCode::kInvalidArgument,
                  "configuration key 'grpc.tls' may be false only when grpc.listen is a loopback address", "grpc.tls");
    }
  }
  if (!config.grpc.client_ca_file.empty() && !config.grpc.tls) {
    return fail(ErrorCode::kInvalidArgument,
                "configuration key 'grpc.client_ca_file' (mutual TLS) needs grpc.tls: true", "grpc.client_ca_file");
  }
  static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(levels.begin(), levels.end(), config.log_level) == levels.end()) {
    return fail(ErrorCode::kInvalidArgument,
                "configuration key 'logging.level' must be one of trace, debug, info, warn, error, critical, off",
                "logging.level");
  }
  if (!config.postgres.url.starts_with("postgresql://") && !config.postgres.url.starts_with("postgres://")) {
    return fail(ErrorCode::kInvalidArgument, "configuration key 'postgres.url' must be a postgresql:// URL",
                "postgres.url");
  }
  if (!config.redis.url.starts_with("redis://")) {
    return fail(ErrorCode::kInvalidArgument, "configuration key 'redis.url' must be a redis:// URL", "redis.url");
  }
  bool pii_active_known = false;
  for (const KeyFile& key : config.pii.keys)
    pii_active_known = pii_active_known || key.key_id == config.pii.active_key_id;
  if (!pii_active_known) {
    return fail(ErrorCode::kInvalidArgument, "configuration key 'pii.active_key_id' names a key not listed in pii.keys",
                "pii.active_key_id");
  }
  bool code_key_known = false;
  for (const KeyFile& secret : config.customer_code.secrets)
    code_key_known = code_key_known || secret.key_id == config.customer_code.active_key_id;
  if (!code_key_known) {
    return fail(ErrorCode::kInvalidArgument,
                "configuration key 'customer_code.active_key_id' names a key not listed in customer_code.secrets",
                "customer_code.active_key_id");
  }
  if (!is_uuid(config.phone_beacon.uuid)) {
    return fail(
        ErrorCode::kInvalidArgument,
        "configuration key 'phone_beacon.uuid' must be a UUID (8-4-4-4-12 hex), got '" + config.phone_beacon.uuid + "'",
        "phone_beacon.uuid");
  }
  bool active_known = false;
  for (const KeyFile& secret : config.table_qr.secrets)
    active_known = active_known || secret.key_id == config.table_qr.active_key_id;
  if (!active_known) {
    return fail(ErrorCode::kInvalidArgument,
                "configuration key 'table_qr.active_key_id' names a key not listed in table_qr.secrets",
                "table_qr.active_key_id");
  }
  return config;
}

}  // namespace

std::string environment_name(const std::string& key) {
  std::string name = "CUSTOMER_ID_";
  for (const char c : key)
    name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read at start, before threads
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  };
}

domain::Result<Config> parse_config(const std::string& yaml_text, const Environment& env) {
  Values values;
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (root && !root.IsNull()) {
      if (!root.IsMap()) return fail(ErrorCode::kInvalidArgument, "configuration must be a YAML mapping");
      if (auto ok = flatten(root, "", values); !ok) return std::unexpected(ok.error());
    }
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidArgument, std::string("configuration is not valid YAML: ") + e.what());
  }
  for (const auto& [key, value] : values) {
    if (std::find(known_keys().begin(), known_keys().end(), key) == known_keys().end()) {
      return fail(ErrorCode::kInvalidArgument, "unknown configuration key '" + key + "'", key);
    }
  }
  for (const std::string& key : known_keys()) {
    if (auto value = env(environment_name(key))) values[key] = *value;
  }
  return read(values);
}

domain::Result<Config> load_config(const std::string& path, const Environment& env) {
  std::ifstream file(path);
  if (!file) return fail(ErrorCode::kNotFound, "cannot read configuration file '" + path + "'");
  std::stringstream text;
  text << file.rdbuf();
  return parse_config(text.str(), env);
}

}  // namespace tastesync::config
