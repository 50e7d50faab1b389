// The store scanners' configuration groups: customer_code.* and phone_beacon.*.

#include <gtest/gtest.h>

#include <map>

#include "config/config.h"

namespace tastesync::config {
namespace {

Environment no_environment() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

void expect_rejected(const std::string& yaml, const std::string& key) {
  auto config = parse_config(yaml, no_environment());
  ASSERT_FALSE(config) << yaml;
  EXPECT_EQ(config.error().field, key) << config.error().message;
}

TEST(ScannerConfig, DefaultsAndExampleAgree) {
  auto example = load_config(std::string(CID_SOURCE_DIR) + "/internal/config/config.yaml.example", no_environment());
  ASSERT_TRUE(example) << example.error().message;
  const Config defaults;
  EXPECT_EQ(example->customer_code.active_key_id, defaults.customer_code.active_key_id);
  EXPECT_EQ(example->customer_code.lifetime, std::chrono::seconds(60));
  EXPECT_EQ(example->phone_beacon.uuid, defaults.phone_beacon.uuid);
  EXPECT_EQ(example->phone_beacon.rotation_period, std::chrono::seconds(120));
  EXPECT_EQ(example->phone_beacon.refresh_interval, std::chrono::seconds(5));
}

TEST(ScannerConfig, KeysAndEnvironmentOverridesAreRead) {
  auto config =
      parse_config("customer_code:\n  active_key_id: cc-2\n  secrets: cc-1=/k/1,cc-2=/k/2\n  lifetime_seconds: 30\n",
                   [](const std::string& name) -> std::optional<std::string> {
                     if (name == "CUSTOMER_ID_PHONE_BEACON_ROTATION_PERIOD_SECONDS") return "256";
                     return std::nullopt;
                   });
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->customer_code.active_key_id, "cc-2");
  EXPECT_EQ(config->customer_code.secrets.size(), 2u);
  EXPECT_EQ(config->customer_code.lifetime, std::chrono::seconds(30));
  EXPECT_EQ(config->phone_beacon.rotation_period, std::chrono::seconds(256));
}

TEST(ScannerConfig, BadValuesNameTheKey) {
  expect_rejected("customer_code:\n  active_key_id: cc-9\n", "customer_code.active_key_id");
  expect_rejected("customer_code:\n  lifetime_seconds: 1\n", "customer_code.lifetime_seconds");
  expect_rejected("customer_code:\n  lifetime_seconds: 3601\n", "customer_code.lifetime_seconds");
  expect_rejected("customer_code:\n  secrets: nonsense\n", "customer_code.secrets");
  expect_rejected("phone_beacon:\n  uuid: not-a-uuid\n", "phone_beacon.uuid");
  expect_rejected("phone_beacon:\n  rotation_period_seconds: 5\n", "phone_beacon.rotation_period_seconds");
  expect_rejected("phone_beacon:\n  refresh_interval_seconds: 0\n", "phone_beacon.refresh_interval_seconds");
}

}  // namespace
}  // namespace tastesync::config
