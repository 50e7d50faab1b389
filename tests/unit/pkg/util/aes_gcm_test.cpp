#include "util/aes_gcm.h"

#include <gtest/gtest.h>

#include <string>

namespace tastesync::util {
namespace {

AesGcmKey key_filled(std::uint8_t value) {
  AesGcmKey key{};
  key.fill(value);
  return key;
}

TEST(AesGcmTest, RoundTrips) {
  const AesGcmKey key = key_filled(7);
  for (const std::string& plaintext : {std::string(), std::string("Ada Lovelace"), std::string(1000, '\0')}) {
    const auto sealed = aes_gcm_seal(key, plaintext, "customer-1\nk1");
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(sealed->size(), kAesGcmNonceBytes + plaintext.size() + kAesGcmTagBytes);
    EXPECT_EQ(aes_gcm_open(key, *sealed, "customer-1\nk1"), plaintext);
  }
}

TEST(AesGcmTest, FreshNonceEverySeal) {
  const AesGcmKey key = key_filled(7);
  const auto a = aes_gcm_seal(key, "same", "ad");
  const auto b = aes_gcm_seal(key, "same", "ad");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->find("same"), std::string::npos);
}

TEST(AesGcmTest, AnyFlippedBitFailsToOpen) {
  const AesGcmKey key = key_filled(7);
  const auto sealed = aes_gcm_seal(key, "+44 20 7946 0000", "ad");
  ASSERT_TRUE(sealed.has_value());
  // Nonce, ciphertext and tag are all covered.
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    std::string tampered = *sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_FALSE(aes_gcm_open(key, tampered, "ad").has_value()) << "byte " << i;
  }
  EXPECT_FALSE(aes_gcm_open(key, sealed->substr(0, sealed->size() - 1), "ad").has_value());
  EXPECT_FALSE(aes_gcm_open(key, *sealed + "x", "ad").has_value());
  EXPECT_FALSE(aes_gcm_open(key, "short", "ad").has_value());
}

TEST(AesGcmTest, WrongAssociatedDataFails) {
  const AesGcmKey key = key_filled(7);
  const auto sealed = aes_gcm_seal(key, "ada@example.com", "customer-1\nk1");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_FALSE(aes_gcm_open(key, *sealed, "customer-2\nk1").has_value());
  EXPECT_FALSE(aes_gcm_open(key, *sealed, "customer-1\nk2").has_value());
  EXPECT_FALSE(aes_gcm_open(key, *sealed, "").has_value());
}

TEST(AesGcmTest, WrongKeyFails) {
  const auto sealed = aes_gcm_seal(key_filled(7), "Ada", "ad");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_FALSE(aes_gcm_open(key_filled(8), *sealed, "ad").has_value());
}

TEST(AesGcmTest, KeyFromRawOrHex) {
  const auto raw = aes_gcm_key_from(std::string(32, 'A'));
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ((*raw)[0], 'A');
  const auto hex = aes_gcm_key_from(std::string(62, '0') + "fF");
  ASSERT_TRUE(hex.has_value());
  EXPECT_EQ((*hex)[31], 0xff);
  EXPECT_EQ((*hex)[0], 0);
  EXPECT_FALSE(aes_gcm_key_from(std::string(31, 'A')).has_value());
  EXPECT_FALSE(aes_gcm_key_from(std::string(64, 'g')).has_value());
}

}  // namespace
}  // namespace tastesync::util
