#include "config/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace tastesync::config {
namespace {

Environment env(std::map<std::string, std::string> values = {}) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(Config, TheExampleFileLoadsAndMatchesTheDefaults) {
  auto config = load_config(std::string(CID_SOURCE_DIR) + "/internal/config/config.yaml.example", env());
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const Config defaults;
  EXPECT_EQ(config->grpc.listen, defaults.grpc.listen);
  EXPECT_TRUE(config->grpc.tls);
  EXPECT_EQ(config->identify.max_sightings, 64u);
  EXPECT_EQ(config->auth.public_keys.size(), 1u);
  EXPECT_EQ(config->resolver.dwell_sightings, defaults.resolver.dwell_sightings);
  EXPECT_DOUBLE_EQ(config->resolver.switch_margin_db, defaults.resolver.switch_margin_db);
  EXPECT_DOUBLE_EQ(config->resolver.smoothing_alpha, defaults.resolver.smoothing_alpha);
  EXPECT_DOUBLE_EQ(config->resolver.path_loss_exponent, defaults.resolver.path_loss_exponent);
  EXPECT_DOUBLE_EQ(config->resolver.switch_evidence_db, defaults.resolver.switch_evidence_db);
  EXPECT_DOUBLE_EQ(config->resolver.max_dominance_db, defaults.resolver.max_dominance_db);
  EXPECT_DOUBLE_EQ(config->resolver.cushion_share, defaults.resolver.cushion_share);
  EXPECT_EQ(config->presence.leave_after, defaults.presence.leave_after);
  EXPECT_EQ(config->presence.sweep_interval, defaults.presence.sweep_interval);
  EXPECT_EQ(config->identify.ledger_hold, defaults.identify.ledger_hold);
  EXPECT_EQ(config->zone_filter.table_mean_stay, defaults.zone_filter.table_mean_stay);
  EXPECT_EQ(config->zone_filter.entrance_mean_stay, defaults.zone_filter.entrance_mean_stay);
  EXPECT_EQ(config->zone_filter.passing_mean_stay, defaults.zone_filter.passing_mean_stay);
  EXPECT_EQ(config->zone_filter.new_visit_after, defaults.zone_filter.new_visit_after);
  EXPECT_DOUBLE_EQ(config->zone_filter.settle_share, defaults.zone_filter.settle_share);
  EXPECT_DOUBLE_EQ(config->zone_filter.jump_share, defaults.zone_filter.jump_share);
  EXPECT_DOUBLE_EQ(config->zone_filter.neighbour_slack, defaults.zone_filter.neighbour_slack);
  EXPECT_DOUBLE_EQ(config->zone_filter.entrance_prior, defaults.zone_filter.entrance_prior);
  EXPECT_DOUBLE_EQ(config->zone_filter.path_loss_exponent, defaults.zone_filter.path_loss_exponent);
  EXPECT_DOUBLE_EQ(config->zone_filter.path_loss_sigma_db, defaults.zone_filter.path_loss_sigma_db);
  EXPECT_DOUBLE_EQ(config->zone_filter.miss_probability, defaults.zone_filter.miss_probability);
}

TEST(Config, TheZoneFiltersSettingsAreReadAndChecked) {
  auto config = parse_config("zone_filter:\n  table_mean_stay_seconds: 3600\n  jump_share: 0.05\n", env());
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->zone_filter.table_mean_stay, std::chrono::seconds(3600));
  EXPECT_DOUBLE_EQ(config->zone_filter.jump_share, 0.05);
  EXPECT_EQ(parse_config("zone_filter:\n  settle_share: 2\n", env()).error().field, "zone_filter.settle_share");
  EXPECT_EQ(parse_config("zone_filter:\n  table_mean_stay_seconds: 0\n", env()).error().field,
            "zone_filter.table_mean_stay_seconds");
  EXPECT_EQ(parse_config("zone_filter:\n  neighbour_slack: 0.5\n", env()).error().field, "zone_filter.neighbour_slack");
  EXPECT_EQ(parse_config("", env({{"CUSTOMER_ID_ZONE_FILTER_ENTRANCE_PRIOR", "1"}})).error().field,
            "zone_filter.entrance_prior");
}

TEST(Config, ALedgerHoldShorterThanATransactionCanLastIsRefused) {
  auto config = parse_config("identify:\n  ledger_hold_seconds: 60\n", env());
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->identify.ledger_hold, std::chrono::seconds(60));
  EXPECT_EQ(parse_config("identify:\n  ledger_hold_seconds: 5\n", env()).error().field, "identify.ledger_hold_seconds");
}

TEST(Config, EnvironmentOverridesEveryKey) {
  auto config =
      parse_config("grpc:\n  listen: 127.0.0.1:1\n", env({{"CUSTOMER_ID_GRPC_LISTEN", "127.0.0.1:9999"},
                                                          {"CUSTOMER_ID_AUTH_PUBLIC_KEYS", "a=/k/a.pub,b=/k/b.pub"},
                                                          {"CUSTOMER_ID_RESOLVER_SWITCH_MARGIN_DB", "6.5"},
                                                          {"CUSTOMER_ID_IDENTIFY_MAX_SIGHTINGS", "10"}}));
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->grpc.listen, "127.0.0.1:9999");
  ASSERT_EQ(config->auth.public_keys.size(), 2u);
  EXPECT_EQ(config->auth.public_keys[1].key_id, "b");
  EXPECT_EQ(config->auth.public_keys[1].path, "/k/b.pub");
  EXPECT_DOUBLE_EQ(config->resolver.switch_margin_db, 6.5);
  EXPECT_EQ(config->identify.max_sightings, 10u);
  EXPECT_EQ(environment_name("grpc.max_message_bytes"), "CUSTOMER_ID_GRPC_MAX_MESSAGE_BYTES");
}

TEST(Config, ErrorsNameTheBadKey) {
  EXPECT_EQ(parse_config("grpc:\n  lisen: x\n", env()).error().field, "grpc.lisen");
  EXPECT_EQ(parse_config("identify:\n  max_sightings: lots\n", env()).error().field, "identify.max_sightings");
  EXPECT_EQ(parse_config("identify:\n  max_sightings: 0\n", env()).error().field, "identify.max_sightings");
  EXPECT_EQ(parse_config("", env({{"CUSTOMER_ID_GRPC_TLS", "maybe"}})).error().field, "grpc.tls");
  EXPECT_EQ(parse_config("auth:\n  public_keys: nokid\n", env()).error().field, "auth.public_keys");
  EXPECT_EQ(parse_config("logging:\n  level: loud\n", env()).error().field, "logging.level");
  EXPECT_EQ(parse_config("table_qr:\n  active_key_id: other\n", env()).error().field, "table_qr.active_key_id");
  EXPECT_FALSE(parse_config("grpc: [unclosed\n", env()).has_value());
  EXPECT_FALSE(load_config("/nonexistent/config.yaml", env()).has_value());
}

TEST(Config, LeavingDefaultsToTenMinutesSweptEveryThirtySeconds) {
  auto defaults = parse_config("", env());
  ASSERT_TRUE(defaults.has_value()) << defaults.error().message;
  EXPECT_EQ(defaults->presence.leave_after, std::chrono::seconds(600));
  EXPECT_EQ(defaults->presence.sweep_interval, std::chrono::seconds(30));

  auto from_file = parse_config("presence:\n  leave_after_seconds: 900\n  sweep_interval_seconds: 60\n", env());
  ASSERT_TRUE(from_file.has_value()) << from_file.error().message;
  EXPECT_EQ(from_file->presence.leave_after, std::chrono::seconds(900));
  EXPECT_EQ(from_file->presence.sweep_interval, std::chrono::seconds(60));

  // The integration tests run with seconds, through the environment.
  auto quick = parse_config("", env({{"CUSTOMER_ID_PRESENCE_LEAVE_AFTER_SECONDS", "2"},
                                     {"CUSTOMER_ID_PRESENCE_SWEEP_INTERVAL_SECONDS", "1"}}));
  ASSERT_TRUE(quick.has_value()) << quick.error().message;
  EXPECT_EQ(quick->presence.leave_after, std::chrono::seconds(2));
  EXPECT_EQ(quick->presence.sweep_interval, std::chrono::seconds(1));

  for (const char* bad : {"0", "-5", "soon", "86401"}) {
    auto rejected = parse_config(std::string("presence:\n  leave_after_seconds: ") + bad + "\n", env());
    ASSERT_FALSE(rejected.has_value()) << bad;
    EXPECT_EQ(rejected.error().field, "presence.leave_after_seconds");
    EXPECT_NE(rejected.error().message.find("presence.leave_after_seconds"), std::string::npos);
  }
  auto never = parse_config("", env({{"CUSTOMER_ID_PRESENCE_SWEEP_INTERVAL_SECONDS", "0"}}));
  ASSERT_FALSE(never.has_value());
  EXPECT_EQ(never.error().field, "presence.sweep_interval_seconds");
  EXPECT_EQ(parse_config("presence:\n  leave_after: 5\n", env()).error().field, "presence.leave_after");
}

TEST(Config, PlaintextOnlyOnLoopback) {
  EXPECT_TRUE(parse_config("grpc:\n  listen: 127.0.0.1:5000\n  tls: false\n", env()).has_value());
  auto open = parse_config("grpc:\n  listen: 0.0.0.0:5000\n  tls: false\n", env());
  ASSERT_FALSE(open.has_value());
  EXPECT_EQ(open.error().field, "grpc.tls");
}

}  // namespace
}  // namespace tastesync::config

namespace tastesync::config {
namespace {

TEST(Config, HttpGatewayKeysAndTheirDefaults) {
  auto config = parse_config("grpc:\n  cert_file: /k/server.crt\n  key_file: /k/server.key\n", env());
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_TRUE(config->http.enabled);
  EXPECT_EQ(config->http.listen, "127.0.0.1:8443");
  EXPECT_EQ(config->http.cert_file, "/k/server.crt") << "the gRPC certificate unless one is given";
  EXPECT_EQ(config->http.key_file, "/k/server.key");
  EXPECT_EQ(config->server.drain, std::chrono::seconds(10));

  config = parse_config("http:\n  listen: 127.0.0.1:0\n  max_body_bytes: 2048\n",
                        env({{"CUSTOMER_ID_SERVER_DRAIN_SECONDS", "3"}, {"CUSTOMER_ID_HTTP_ENABLED", "false"}}));
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_FALSE(config->http.enabled);
  EXPECT_EQ(config->http.max_body_bytes, 2048u);
  EXPECT_EQ(config->server.drain, std::chrono::seconds(3));

  auto bad = parse_config("http:\n  listen: nowhere\n", env());
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "http.listen");
  bad = parse_config("http:\n  max_body_bytes: 10\n", env());
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "http.max_body_bytes");
}

}  // namespace
}  // namespace tastesync::config

namespace tastesync::config {
namespace {

TEST(Config, PublicKeysMayComeOnlyFromAMountedFolderButFromSomewhere) {
  auto from_folder = parse_config("auth:\n  public_keys: \"\"\n  public_keys_dir: /keys/jwt\n", env());
  ASSERT_TRUE(from_folder.has_value()) << from_folder.error().message;
  EXPECT_TRUE(from_folder->auth.public_keys.empty());
  EXPECT_EQ(from_folder->auth.public_keys_dir, "/keys/jwt");

  auto from_nowhere = parse_config("auth:\n  public_keys: \"\"\n", env());
  ASSERT_FALSE(from_nowhere.has_value());
  EXPECT_EQ(from_nowhere.error().field, "auth.public_keys");
}

}  // namespace
}  // namespace tastesync::config
