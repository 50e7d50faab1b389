#include "infrastructure/crypto/rotating_beacon_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tastesync::infrastructure {
namespace {

std::string test_secret() {
  std::string secret;
  for (int i = 0; i < 32; ++i) secret.push_back(static_cast<char>(i));
  return secret;
}

domain::Timestamp at_unix(long long seconds) { return domain::Timestamp(std::chrono::seconds(seconds)); }

// Reference values from an independent implementation (Python's hmac,
// struct.pack('>Q', counter)), so a phone app can check its own against them.
TEST(RotatingBeaconId, MatchesTheDocumentedDerivation) {
  const std::string secret = test_secret();
  EXPECT_EQ(rotating_beacon_id(secret, 0), (RotatingBeaconId{40716, 55737}));
  EXPECT_EQ(rotating_beacon_id(secret, 1), (RotatingBeaconId{50226, 57433}));
  EXPECT_EQ(rotating_beacon_id(secret, 14400000), (RotatingBeaconId{63916, 49164}));
}

TEST(RotatingBeaconId, CounterIsTheRotationWindow) {
  const std::chrono::seconds period(120);
  EXPECT_EQ(rotation_counter(at_unix(0), period), 0);
  EXPECT_EQ(rotation_counter(at_unix(119), period), 0);
  EXPECT_EQ(rotation_counter(at_unix(120), period), 1);
  EXPECT_EQ(rotation_counter(at_unix(1728000000), period), 14400000);
  EXPECT_EQ(rotation_counter(at_unix(-1), period), -1);  // floor, not truncation
}

TEST(RotatingBeaconId, ChangesEveryWindowAndDiffersBetweenPhones) {
  const std::string mine = test_secret();
  const std::string theirs(32, '\x5a');
  std::set<std::uint32_t> seen;
  for (std::int64_t counter = 100; counter < 120; ++counter) {
    const auto id = rotating_beacon_id(mine, counter);
    ASSERT_TRUE(id);
    seen.insert(id->packed());
    EXPECT_NE(id, rotating_beacon_id(theirs, counter));
  }
  EXPECT_EQ(seen.size(), 20u);  // 20 windows, 20 different ids (no reuse to track)
}

TEST(RotatingBeaconId, PackedKeepsMajorHigh) { EXPECT_EQ((RotatingBeaconId{0x1234, 0xabcd}.packed()), 0x1234abcdu); }

}  // namespace
}  // namespace tastesync::infrastructure
