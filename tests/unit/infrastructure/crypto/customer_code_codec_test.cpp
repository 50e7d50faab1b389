#include "infrastructure/crypto/customer_code_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "util/base64url.h"

namespace tastesync::infrastructure {
namespace {

using domain::ErrorCode;

const std::string kSecret1(32, '\x31');
const std::string kSecret2(32, '\x32');
const domain::Timestamp kNow{std::chrono::seconds(1'750'000'000)};
constexpr std::chrono::seconds kLifetime{60};

std::vector<std::string> split(const std::string& code) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = code.find('.', start);
    parts.push_back(code.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

class CustomerCodeCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created =
        HmacCustomerCodeCodec::create(HmacKeyRing({{"cc-1", kSecret1}, {"cc-2", kSecret2}}, "cc-1"), kLifetime);
    ASSERT_TRUE(created) << created.error().message;
    codec_ = std::move(*created);
  }

  std::string issue(const std::string& customer = "alice") {
    auto code = codec_->issue(customer, kNow);
    EXPECT_TRUE(code) << code.error().message;
    return code ? code->code : std::string{};
  }

  void expect_rejected(const std::string& code, const std::string& why, domain::Timestamp at = kNow) {
    auto claim = codec_->verify(code, at);
    ASSERT_FALSE(claim) << "accepted: " << code;
    EXPECT_EQ(claim.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(claim.error().field, "code");
    EXPECT_NE(claim.error().message.find(why), std::string::npos) << claim.error().message;
  }

  std::unique_ptr<HmacCustomerCodeCodec> codec_;
};

TEST_F(CustomerCodeCodecTest, IssuedCodeVerifiesAndNamesTheCustomer) {
  auto issued = codec_->issue("alice", kNow);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->expires_at, kNow + kLifetime);
  auto claim = codec_->verify(issued->code, kNow + std::chrono::seconds(59));
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_EQ(claim->customer_id, "alice");
  EXPECT_EQ(claim->key_id, "cc-1");
  EXPECT_EQ(claim->expires_at, kNow + kLifetime);
  EXPECT_EQ(claim->nonce.size(), HmacCustomerCodeCodec::kNonceBytes);
}

TEST_F(CustomerCodeCodecTest, EveryCodeHasItsOwnNonce) {
  auto first = codec_->verify(issue(), kNow);
  auto second = codec_->verify(issue(), kNow);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->nonce, second->nonce);
}

TEST_F(CustomerCodeCodecTest, ExpiredCodeIsRejected) {
  const std::string code = issue();
  expect_rejected(code, "expired", kNow + kLifetime);
  expect_rejected(code, "expired", kNow + std::chrono::hours(1));
}

TEST_F(CustomerCodeCodecTest, AlteredCustomerIsRejected) {
  auto parts = split(issue("alice"));
  parts[1] = util::base64url_encode(std::string_view("mallory"));
  expect_rejected(join(parts), "signature does not match");
}

TEST_F(CustomerCodeCodecTest, ExtendedExpiryIsRejected) {
  auto parts = split(issue());
  parts[2] = std::to_string(std::stoll(parts[2]) + 3600);
  expect_rejected(join(parts), "signature does not match");
}

TEST_F(CustomerCodeCodecTest, ForgedWithAnotherSecretIsRejected) {
  auto forger = HmacCustomerCodeCodec::create(HmacKeyRing({{"cc-1", std::string(32, '\x66')}}, "cc-1"), kLifetime);
  ASSERT_TRUE(forger);
  auto forged = (*forger)->issue("alice", kNow);
  ASSERT_TRUE(forged);
  expect_rejected(forged->code, "signature does not match");
}

TEST_F(CustomerCodeCodecTest, WrongOrUnknownKeyIdIsRejected) {
  auto parts = split(issue());
  parts[4] = "cc-2";  // a key we hold, but not the one that signed
  expect_rejected(join(parts), "signature does not match");
  parts[4] = "cc-9";
  expect_rejected(join(parts), "unknown key");
  parts[4] = "bad key!";
  expect_rejected(join(parts), "key id is malformed");
}

TEST_F(CustomerCodeCodecTest, RotatedKeysStillVerifyOldCodes) {
  auto old_issuer = HmacCustomerCodeCodec::create(HmacKeyRing({{"cc-2", kSecret2}}, "cc-2"), kLifetime);
  ASSERT_TRUE(old_issuer);
  auto code = (*old_issuer)->issue("bob", kNow);
  ASSERT_TRUE(code);
  auto claim = codec_->verify(code->code, kNow);
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_EQ(claim->customer_id, "bob");
}

TEST_F(CustomerCodeCodecTest, CodeValidForLongerThanIssuedIsRejected) {
  auto generous = HmacCustomerCodeCodec::create(HmacKeyRing({{"cc-1", kSecret1}}, "cc-1"), std::chrono::hours(1));
  ASSERT_TRUE(generous);
  auto code = (*generous)->issue("alice", kNow);
  ASSERT_TRUE(code);
  expect_rejected(code->code, "longer than codes are issued");
}

TEST_F(CustomerCodeCodecTest, GarbageIsRejectedWithAReason) {
  expect_rejected("", "empty");
  expect_rejected(std::string(513, 'A'), "longer than 512");
  expect_rejected("hello", "6 dot-separated parts");
  expect_rejected("a.b.c.d.e.f.g", "6 dot-separated parts");
  expect_rejected("TSQR1.a.b.c.d.e", "expected prefix TSCC1");
  expect_rejected("TSCC1.YWxpY2U.soon.AAAA.cc-1.AAAA", "expiry is not a number");
  expect_rejected("TSCC1.*.1750000060.AAAA.cc-1.AAAA", "base64url");
  auto parts = split(issue());
  parts[5] = "AAAA";
  expect_rejected(join(parts), "signature does not match");
}

TEST_F(CustomerCodeCodecTest, RandomBytesNeverCrash) {
  std::mt19937 random(7);
  const std::string valid = issue();
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = valid;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int f = 0; f < flips; ++f) {
      mutated[random() % mutated.size()] = static_cast<char>(random() % 256);
    }
    auto claim = codec_->verify(mutated, kNow);
    if (claim) {
      // Only a change base64url decodes away (padding bits of the MAC) may pass.
      EXPECT_EQ(claim->customer_id, "alice");
    } else {
      EXPECT_EQ(claim.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(CustomerCodeCodecCreate, RejectsUnusableKeys) {
  EXPECT_FALSE(HmacCustomerCodeCodec::create(HmacKeyRing({{"cc-1", "short"}}, "cc-1"), kLifetime));
  EXPECT_FALSE(HmacCustomerCodeCodec::create(HmacKeyRing({{"cc-1", kSecret1}}, "cc-2"), kLifetime));
  EXPECT_FALSE(HmacCustomerCodeCodec::create(HmacKeyRing({{"bad id", kSecret1}}, "bad id"), kLifetime));
  EXPECT_FALSE(HmacCustomerCodeCodec::create(HmacKeyRing({{"cc-1", kSecret1}}, "cc-1"), std::chrono::seconds(0)));
}

}  // namespace
}  // namespace tastesync::infrastructure
