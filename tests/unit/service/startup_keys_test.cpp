#include "service/startup_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace tastesync::service {
namespace {

class StartupKeysTest : public ::testing::Test {
 protected:
  StartupKeysTest() : dir_(std::filesystem::temp_directory_path() / ("startup-keys-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~StartupKeysTest() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(StartupKeysTest, ARawKeyIsTakenAsItIsWhateverItsLastByte) {
  // About 0.8 % of random keys end in '\n' or '\r': they must load too.
  for (const char last : {'\n', '\r', ' ', 'a', '\0'}) {
    std::string raw(32, '\x5a');
    raw.back() = last;
    config::Config::Pii pii;
    pii.active_key_id = "k1";
    pii.keys = {{"k1", write("raw.key", raw)}};
    auto ring = load_pii_keys(pii);
    ASSERT_TRUE(ring.has_value()) << ring.error().message;
    EXPECT_EQ(ring->keys().at("k1")[31], static_cast<std::uint8_t>(last));
    EXPECT_EQ(ring->keys().at("k1")[0], 0x5a);
  }
}

TEST_F(StartupKeysTest, AHexKeyMayEndWithANewline) {
  config::Config::Pii pii;
  pii.keys = {{"k1", write("hex.key", std::string(64, 'f') + "\n")}};
  auto ring = load_pii_keys(pii);
  ASSERT_TRUE(ring.has_value()) << ring.error().message;
  EXPECT_EQ(ring->keys().at("k1")[0], 0xff);
}

TEST_F(StartupKeysTest, AnythingElseIsRefusedNamingTheFileAndTheSetting) {
  for (const std::string& bad : {std::string(31, 'x'), std::string(64, 'g'), std::string(63, 'a'), std::string()}) {
    config::Config::Pii pii;
    pii.keys = {{"k1", write("bad.key", bad)}};
    auto ring = load_pii_keys(pii);
    ASSERT_FALSE(ring.has_value());
    EXPECT_EQ(ring.error().field, "pii.keys");
    EXPECT_NE(ring.error().message.find("bad.key"), std::string::npos) << ring.error().message;
  }
}

TEST_F(StartupKeysTest, HmacSecretsWantSixtyFourHexCharacters) {
  auto good = load_hmac_keys({{"qr-1", write("qr.secret", std::string(64, '0') + "\n")}}, "qr-1", "table_qr.secrets");
  ASSERT_TRUE(good.has_value()) << good.error().message;
  ASSERT_NE(good->active(), nullptr);
  EXPECT_EQ(good->active()->size(), 32u);
  auto raw = load_hmac_keys({{"qr-1", write("raw.secret", std::string(32, 'z'))}}, "qr-1", "table_qr.secrets");
  ASSERT_FALSE(raw.has_value());
  EXPECT_EQ(raw.error().field, "table_qr.secrets");
  EXPECT_NE(raw.error().message.find("64 hex characters"), std::string::npos) << raw.error().message;
}

}  // namespace
}  // namespace tastesync::service
