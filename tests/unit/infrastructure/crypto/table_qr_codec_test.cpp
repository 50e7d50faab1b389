#include "infrastructure/crypto/table_qr_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "util/base64url.h"

namespace tastesync::infrastructure {
namespace {

using domain::ErrorCode;

const std::string kSecret1(32, '\x11');
const std::string kSecret2(32, '\x22');

std::vector<std::string> split(const std::string& payload) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = payload.find('.', start);
    parts.push_back(payload.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
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

class TableQrCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = HmacTableQrCodec::create(HmacKeyRing({{"qr-1", kSecret1}}, "qr-1"));
    ASSERT_TRUE(created) << created.error().message;
    codec_ = std::move(*created);
  }

  std::string sign(const std::string& store, const std::string& zone) {
    auto payload = codec_->sign(store, zone);
    EXPECT_TRUE(payload) << payload.error().message;
    return payload.value_or("");
  }

  void expect_rejected(std::string_view payload, std::string_view message_part = "") {
    auto result = codec_->verify(payload);
    ASSERT_FALSE(result) << "accepted: " << payload;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().field, "table_qr");
    EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
  }

  std::unique_ptr<HmacTableQrCodec> codec_;
};

TEST_F(TableQrCodecTest, RoundTrip) {
  const std::string payload = sign("store-1", "table-12");
  EXPECT_EQ(payload.rfind("TSQR1.", 0), 0u);
  auto claim = codec_->verify(payload);
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_EQ(claim->store_id, "store-1");
  EXPECT_EQ(claim->zone_id, "table-12");
  EXPECT_EQ(claim->key_id, "qr-1");
}

TEST_F(TableQrCodecTest, RoundTripsAnyIdBytes) {
  const std::string store("st.o/re+=\0\xff", 11);
  auto claim = codec_->verify(sign(store, "zone.with.dots"));
  ASSERT_TRUE(claim);
  EXPECT_EQ(claim->store_id, store);
  EXPECT_EQ(claim->zone_id, "zone.with.dots");
}

TEST_F(TableQrCodecTest, SigningIsDeterministic) { EXPECT_EQ(sign("s", "z"), sign("s", "z")); }

TEST_F(TableQrCodecTest, AlteredStoreIsRejected) {
  auto parts = split(sign("store-1", "table-12"));
  parts[1] = util::base64url_encode(std::string_view("store-2"));
  expect_rejected(join(parts), "signature does not match");
}

TEST_F(TableQrCodecTest, AlteredZoneIsRejected) {
  auto parts = split(sign("store-1", "table-12"));
  parts[2] = util::base64url_encode(std::string_view("table-13"));
  expect_rejected(join(parts), "signature does not match");
}

TEST_F(TableQrCodecTest, SwappedPartsAreRejected) {
  auto parts = split(sign("store-1", "table-12"));
  std::swap(parts[1], parts[2]);
  expect_rejected(join(parts), "signature does not match");
}

TEST_F(TableQrCodecTest, AlteredSignatureIsRejected) {
  auto parts = split(sign("store-1", "table-12"));
  auto mac = util::base64url_decode(parts[4]);
  ASSERT_TRUE(mac);
  (*mac)[0] = static_cast<char>((*mac)[0] ^ 0x80);
  parts[4] = util::base64url_encode(*mac);
  expect_rejected(join(parts), "signature does not match");
  parts[4] = util::base64url_encode(mac->substr(0, 16));  // truncated MAC
  expect_rejected(join(parts), "signature does not match");
  parts[4] = "";
  expect_rejected(join(parts), "signature does not match");
}

TEST_F(TableQrCodecTest, AlteredKeyIdIsRejected) {
  auto parts = split(sign("store-1", "table-12"));
  parts[3] = "qr-2";
  expect_rejected(join(parts), "unknown key");
  parts[3] = "qr 1";
  expect_rejected(join(parts), "key id is malformed");
}

TEST_F(TableQrCodecTest, UnknownKeyIsRejected) {
  auto other = HmacTableQrCodec::create(HmacKeyRing({{"qr-9", kSecret2}}, "qr-9"));
  ASSERT_TRUE(other);
  auto payload = (*other)->sign("store-1", "table-12");
  ASSERT_TRUE(payload);
  expect_rejected(*payload, "unknown key");
}

TEST_F(TableQrCodecTest, SameKeyIdDifferentSecretIsRejected) {
  auto forger = HmacTableQrCodec::create(HmacKeyRing({{"qr-1", kSecret2}}, "qr-1"));
  ASSERT_TRUE(forger);
  auto payload = (*forger)->sign("store-1", "table-12");
  ASSERT_TRUE(payload);
  expect_rejected(*payload, "signature does not match");
}

TEST_F(TableQrCodecTest, OldKeyStillVerifiesAfterRotation) {
  const std::string old_payload = sign("store-1", "table-1");
  auto rotated = HmacTableQrCodec::create(HmacKeyRing({{"qr-1", kSecret1}, {"qr-2", kSecret2}}, "qr-2"));
  ASSERT_TRUE(rotated);
  auto new_payload = (*rotated)->sign("store-1", "table-2");
  ASSERT_TRUE(new_payload);
  EXPECT_EQ(split(*new_payload)[3], "qr-2");
  auto old_claim = (*rotated)->verify(old_payload);
  ASSERT_TRUE(old_claim) << old_claim.error().message;
  EXPECT_EQ(old_claim->key_id, "qr-1");
  EXPECT_EQ(old_claim->zone_id, "table-1");
  auto new_claim = (*rotated)->verify(*new_payload);
  ASSERT_TRUE(new_claim);
  EXPECT_EQ(new_claim->key_id, "qr-2");
  // The codec that only knows qr-1 cannot verify qr-2 codes.
  expect_rejected(*new_payload, "unknown key");
}

TEST_F(TableQrCodecTest, EmptyStoreOrZoneIsRejected) {
  EXPECT_FALSE(codec_->sign("", "z"));
  EXPECT_FALSE(codec_->sign("s", ""));
  // A correctly MACed payload with an empty part (only the key holder could make one) is still refused.
  auto parts = split(sign("s", "z"));
  parts[1] = "";
  expect_rejected(join(parts));
}

TEST_F(TableQrCodecTest, GarbageIsRejected) {
  const std::string valid = sign("store-1", "table-12");
  const std::vector<std::string> garbage = {
      "",
      "TSQR1",
      "TSQR1....",
      "TSQR1.....",
      "TSQR2" + valid.substr(5),
      "tsqr1" + valid.substr(5),
      valid + ".",
      valid + ".extra",
      "." + valid,
      valid.substr(0, valid.size() - 1),
      valid + "A",
      "TSQR1.c3RvcmU.em9uZQ.qr-1.!!!!",
      "TSQR1.c3RvcmU=.em9uZQ.qr-1.AAAA",
      "TSQR1.c3RvcmU.em9uZQ.qr-1.A",
      "https://example.com/table/12",
      std::string(513, 'A'),
      std::string("TSQR1.\0\0.\0\0.qr-1.\0\0", 20),
  };
  for (const auto& payload : garbage) expect_rejected(payload);
}

TEST_F(TableQrCodecTest, RandomBytesNeverVerify) {
  std::mt19937 rng(12345);
  const std::string valid = sign("store-1", "table-12");
  for (int i = 0; i < 5000; ++i) {
    std::string input;
    if (i % 2 == 0) {
      input.resize(rng() % 600);
      for (char& c : input) c = static_cast<char>(rng() & 0xFF);
    } else {
      input = valid;  // single-byte mutations of a valid payload
      input[rng() % input.size()] = static_cast<char>(rng() & 0xFF);
      if (input == valid) continue;
    }
    EXPECT_FALSE(codec_->verify(input));
  }
}

TEST_F(TableQrCodecTest, OversizedIdsAreRefusedAtSigning) {
  auto payload = codec_->sign(std::string(300, 's'), std::string(300, 'z'));
  ASSERT_FALSE(payload);
  EXPECT_EQ(payload.error().code, ErrorCode::kInvalidArgument);
}

TEST(TableQrCodecCreateTest, ValidatesKeySet) {
  EXPECT_FALSE(HmacTableQrCodec::create(HmacKeyRing({{"qr-1", kSecret1}}, "qr-2")));
  EXPECT_FALSE(HmacTableQrCodec::create(HmacKeyRing({{"qr-1", "short"}}, "qr-1")));
  EXPECT_FALSE(HmacTableQrCodec::create(HmacKeyRing({{"qr.1", kSecret1}}, "qr.1")));
  EXPECT_FALSE(HmacTableQrCodec::create(HmacKeyRing({}, "")));
  HmacTableQrCodec unusable(HmacKeyRing({}, "nope"));
  auto payload = unusable.sign("s", "z");
  ASSERT_FALSE(payload);
  EXPECT_EQ(payload.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tastesync::infrastructure
