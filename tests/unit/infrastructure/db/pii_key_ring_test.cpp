#include "infrastructure/db/pii_key_ring.h"

#include <gtest/gtest.h>

#include <string>

namespace tastesync::infrastructure::db {
namespace {

TEST(PiiKeyRing, AUsableRingPasses) {
  EXPECT_TRUE(check_pii_key_ring(PiiKeyRing({{"k1", util::AesGcmKey{}}, {"k2", util::AesGcmKey{}}}, "k2")));
}

TEST(PiiKeyRing, EachRefusalNamesTheSetting) {
  const auto refusal = [](PiiKeyRing::Keys keys, std::string active) {
    auto checked = check_pii_key_ring(PiiKeyRing(std::move(keys), std::move(active)));
    EXPECT_FALSE(checked);
    if (checked) return std::string();
    EXPECT_EQ(checked.error().code, domain::ErrorCode::kInvalidArgument);
    EXPECT_EQ(checked.error().field, "pii_key_id");
    return checked.error().message;
  };
  EXPECT_EQ(refusal({{"k1", util::AesGcmKey{}}}, "k9"), "the active personal-data key 'k9' is not in the key ring");
  EXPECT_EQ(refusal({}, ""), "the active personal-data key '' is not in the key ring");
  EXPECT_FALSE(refusal({{"", util::AesGcmKey{}}}, "").empty());
  EXPECT_FALSE(refusal({{std::string(65, 'k'), util::AesGcmKey{}}}, std::string(65, 'k')).empty());
}

}  // namespace
}  // namespace tastesync::infrastructure::db
