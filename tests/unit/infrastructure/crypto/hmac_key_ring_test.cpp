#include <gtest/gtest.h>

#include <string>

#include "infrastructure/crypto/hmac_sha256.h"

namespace tastesync::infrastructure {
namespace {

const std::string kSecret(kMinHmacSecretBytes, 's');

std::string refusal(HmacKeyRing::Keys keys, std::string active) {
  auto checked = check_hmac_key_ring(HmacKeyRing(std::move(keys), std::move(active)), "table QR");
  if (checked) return "";
  EXPECT_EQ(checked.error().code, domain::ErrorCode::kInvalidArgument);
  return checked.error().message;
}

TEST(HmacKeyRing, AUsableRingPasses) { EXPECT_EQ(refusal({{"k1", kSecret}, {"k-2_b", kSecret + "more"}}, "k1"), ""); }

TEST(HmacKeyRing, EachRefusalNamesTheKeyAndWhatItIsFor) {
  EXPECT_EQ(refusal({{"k 1", kSecret}}, "k 1"), "table QR key id 'k 1' must be 1..64 of [A-Za-z0-9_-]");
  EXPECT_EQ(refusal({{std::string(65, 'k'), kSecret}}, std::string(65, 'k')),
            "table QR key id '" + std::string(65, 'k') + "' must be 1..64 of [A-Za-z0-9_-]");
  EXPECT_EQ(refusal({{"short", std::string(kMinHmacSecretBytes - 1, 's')}}, "short"),
            "table QR key 'short' is shorter than 16 bytes");
  EXPECT_EQ(refusal({{"k1", kSecret}}, "k2"), "active table QR key 'k2' is not in the key set");
  EXPECT_EQ(refusal({}, ""), "active table QR key '' is not in the key set");
}

}  // namespace
}  // namespace tastesync::infrastructure
