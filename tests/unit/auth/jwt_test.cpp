#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "auth/jwt_signer.h"
#include "auth/key_files.h"
#include "mocks/fake_clock.h"
#include "util/base64url.h"

namespace tastesync::auth {
namespace {

using application::Principal;
using application::Role;
using domain::ErrorCode;
using namespace std::chrono_literals;

constexpr char kIssuer[] = "tastesync-test";
constexpr char kAudience[] = "tastesync-customer-id";

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

// Generated with OpenSSL at test time so no key material lives in the tree.
KeyPair generate_rsa_key_pair() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!key) return {};
  auto to_string = [](BIO* bio) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return text;
  };
  BIO* private_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(private_bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  BIO* public_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(public_bio, key.get());
  return KeyPair{to_string(private_bio), to_string(public_bio)};
}

std::string b64(std::string_view text) { return util::base64url_encode(text); }

class JwtVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    keys_ = new KeyPair(generate_rsa_key_pair());
    other_keys_ = new KeyPair(generate_rsa_key_pair());
  }
  static void TearDownTestSuite() {
    delete keys_;
    delete other_keys_;
    keys_ = nullptr;
    other_keys_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(keys_->private_pem.empty());
    auto created = JwtVerifier::create(JwtKeySet{{"k1", keys_->public_pem}}, kIssuer, kAudience, 30s, clock_);
    ASSERT_TRUE(created) << created.error().message;
    verifier_ = std::move(*created);
  }

  std::string mint(std::string_view subject = "cust-1", Role role = Role::kCustomer, std::string_view store = "",
                   std::chrono::seconds ttl = 3600s, std::string_view kid = "k1") {
    auto token = mint_token(keys_->private_pem, kid, kIssuer, kAudience, subject, role, store, ttl, clock_.now());
    EXPECT_TRUE(token) << token.error().message;
    return token.value_or("");
  }

  // Signs custom claims with the good key; lets tests vary one claim at a time.
  std::string sign_claims(const std::string& claims_json, std::string_view kid = "k1") {
    auto token = sign_rs256(keys_->private_pem, kid, claims_json);
    EXPECT_TRUE(token) << token.error().message;
    return token.value_or("");
  }

  long long now_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  }

  // Claims that pass, as a JSON string with a hole for extra members.
  std::string claims(const std::string& extra = "", bool with_sub = true) const {
    std::string json = "{\"iss\":\"" + std::string(kIssuer) + "\",\"aud\":\"" + kAudience +
                       "\",\"exp\":" + std::to_string(now_seconds() + 600);
    if (with_sub) json += ",\"sub\":\"cust-9\"";
    if (!extra.empty()) json += "," + extra;
    return json + "}";
  }

  void expect_unauthenticated(const std::string& token, std::string_view message_part) {
    auto result = verifier_->verify(token);
    ASSERT_FALSE(result) << "token unexpectedly verified: " << token;
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated);
    EXPECT_NE(result.error().message.find(message_part), std::string::npos)
        << "message was: " << result.error().message;
  }

  static KeyPair* keys_;
  static KeyPair* other_keys_;
  testing::FakeClock clock_;
  std::unique_ptr<JwtVerifier> verifier_;
};

KeyPair* JwtVerifierTest::keys_ = nullptr;
KeyPair* JwtVerifierTest::other_keys_ = nullptr;

TEST_F(JwtVerifierTest, ValidTokenGivesPrincipal) {
  auto principal = verifier_->verify(mint("cust-42"));
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->subject, "cust-42");
  EXPECT_EQ(principal->role, Role::kCustomer);
  EXPECT_EQ(principal->store_id, "");
  EXPECT_EQ(principal->expires_at, std::chrono::time_point_cast<std::chrono::seconds>(clock_.now()) + 3600s);
}

TEST_F(JwtVerifierTest, AcceptsBearerPrefix) {
  auto principal = verifier_->verify("Bearer " + mint("cust-42"));
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->subject, "cust-42");
}

TEST_F(JwtVerifierTest, ScannerCarriesStore) {
  auto principal = verifier_->verify(mint("scanner-7", Role::kScanner, "store-1"));
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->role, Role::kScanner);
  EXPECT_EQ(principal->store_id, "store-1");
}

TEST_F(JwtVerifierTest, ScannerWithoutStoreIsRejected) {
  expect_unauthenticated(mint("scanner-7", Role::kScanner, ""), "requires a store_id");
  expect_unauthenticated(mint("staff-7", Role::kStaff, ""), "requires a store_id");
}

TEST_F(JwtVerifierTest, RoleDefaultsToCustomer) {
  auto principal = verifier_->verify(sign_claims(claims()));
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->role, Role::kCustomer);
}

TEST_F(JwtVerifierTest, AllRolesParse) {
  for (Role role : {Role::kCustomer, Role::kScanner, Role::kStaff, Role::kAdmin, Role::kService}) {
    auto principal = verifier_->verify(mint("someone", role, "store-1"));
    ASSERT_TRUE(principal) << principal.error().message;
    EXPECT_EQ(principal->role, role);
  }
}

TEST_F(JwtVerifierTest, ExpiredTokenIsRejected) {
  const std::string token = mint("cust-1", Role::kCustomer, "", 60s);
  clock_.advance(60s + 30s + 1s);  // past exp plus the allowed skew
  expect_unauthenticated(token, "token expired");
}

TEST_F(JwtVerifierTest, SkewToleratesSlightlyExpiredToken) {
  const std::string token = mint("cust-1", Role::kCustomer, "", 60s);
  clock_.advance(60s + 29s);
  EXPECT_TRUE(verifier_->verify(token));
}

TEST_F(JwtVerifierTest, MissingExpIsRejected) {
  const std::string json = "{\"iss\":\"" + std::string(kIssuer) + "\",\"aud\":\"" + kAudience + "\",\"sub\":\"c\"}";
  expect_unauthenticated(sign_claims(json), "no exp");
}

TEST_F(JwtVerifierTest, NonNumericExpIsRejected) {
  const std::string json =
      "{\"iss\":\"" + std::string(kIssuer) + "\",\"aud\":\"" + kAudience + "\",\"sub\":\"c\",\"exp\":\"soon\"}";
  expect_unauthenticated(sign_claims(json), "exp claim is not a valid NumericDate");
}

TEST_F(JwtVerifierTest, NotBeforeInFutureIsRejected) {
  expect_unauthenticated(sign_claims(claims("\"nbf\":" + std::to_string(now_seconds() + 300))), "not valid yet");
  // Within the skew it is fine.
  EXPECT_TRUE(verifier_->verify(sign_claims(claims("\"nbf\":" + std::to_string(now_seconds() + 10)))));
}

TEST_F(JwtVerifierTest, IssuedInFutureIsRejected) {
  expect_unauthenticated(sign_claims(claims("\"iat\":" + std::to_string(now_seconds() + 300))), "issued in the future");
}

TEST_F(JwtVerifierTest, WrongIssuerIsRejected) {
  auto token =
      mint_token(keys_->private_pem, "k1", "evil-issuer", kAudience, "c", Role::kCustomer, "", 600s, clock_.now());
  ASSERT_TRUE(token);
  expect_unauthenticated(*token, "issuer 'evil-issuer' is not accepted");
}

TEST_F(JwtVerifierTest, WrongAudienceIsRejected) {
  auto token =
      mint_token(keys_->private_pem, "k1", kIssuer, "other-service", "c", Role::kCustomer, "", 600s, clock_.now());
  ASSERT_TRUE(token);
  expect_unauthenticated(*token, "audience");
}

TEST_F(JwtVerifierTest, AudienceArrayContainingUsIsAccepted) {
  const std::string json = "{\"iss\":\"" + std::string(kIssuer) + "\",\"aud\":[\"x\",\"" + kAudience +
                           "\"],\"sub\":\"c\",\"exp\":" + std::to_string(now_seconds() + 600) + "}";
  EXPECT_TRUE(verifier_->verify(sign_claims(json)));
}

TEST_F(JwtVerifierTest, UnknownKidIsRejected) {
  expect_unauthenticated(mint("c", Role::kCustomer, "", 600s, "k2"), "unknown key id 'k2'");
}

TEST_F(JwtVerifierTest, MissingKidIsRejected) {
  const std::string header = b64(R"({"alg":"RS256","typ":"JWT"})");
  const std::string token = mint();
  const std::string rest = token.substr(token.find('.'));
  expect_unauthenticated(header + rest, "no key id");
}

TEST_F(JwtVerifierTest, SignedByAnotherKeyIsRejected) {
  auto token =
      mint_token(other_keys_->private_pem, "k1", kIssuer, kAudience, "c", Role::kCustomer, "", 600s, clock_.now());
  ASSERT_TRUE(token);
  expect_unauthenticated(*token, "signature does not verify");
}

TEST_F(JwtVerifierTest, TamperedPayloadIsRejected) {
  const std::string token = mint("cust-1");
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  auto payload = util::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  ASSERT_TRUE(payload);
  const std::size_t at = payload->find("cust-1");
  ASSERT_NE(at, std::string::npos);
  payload->replace(at, 6, "cust-2");
  const std::string forged = token.substr(0, dot1 + 1) + b64(*payload) + token.substr(dot2);
  expect_unauthenticated(forged, "signature does not verify");
}

TEST_F(JwtVerifierTest, TamperedSignatureIsRejected) {
  std::string token = mint("cust-1");
  const std::size_t dot2 = token.rfind('.');
  auto signature = util::base64url_decode(token.substr(dot2 + 1));
  ASSERT_TRUE(signature);
  (*signature)[10] = static_cast<char>((*signature)[10] ^ 0x01);
  expect_unauthenticated(token.substr(0, dot2 + 1) + b64(*signature), "signature does not verify");
}

TEST_F(JwtVerifierTest, TruncatedOrExtendedSignatureIsRejected) {
  std::string token = mint("cust-1");
  const std::size_t dot2 = token.rfind('.');
  auto signature = util::base64url_decode(token.substr(dot2 + 1));
  ASSERT_TRUE(signature);
  expect_unauthenticated(token.substr(0, dot2 + 1) + b64(signature->substr(0, signature->size() - 1)),
                         "signature does not verify");
  expect_unauthenticated(token.substr(0, dot2 + 1) + b64(*signature + "x"), "signature does not verify");
}

TEST_F(JwtVerifierTest, AlgNoneIsRejected) {
  const std::string header = b64(R"({"alg":"none","typ":"JWT","kid":"k1"})");
  const std::string payload = b64(claims());
  expect_unauthenticated(header + "." + payload + ".", "RS256");
  expect_unauthenticated(header + "." + payload + ".c2ln", "algorithm must be RS256");
}

TEST_F(JwtVerifierTest, AlgCaseVariantIsRejected) {
  const std::string token = mint();
  const std::string header = b64(R"({"alg":"rs256","typ":"JWT","kid":"k1"})");
  expect_unauthenticated(header + token.substr(token.find('.')), "algorithm must be RS256");
}

TEST_F(JwtVerifierTest, Hs256SignedWithPublicKeyIsRejected) {
  // The classic key-confusion attack: HMAC keyed with the (public) RSA PEM.
  const std::string signing_input = b64(R"({"alg":"HS256","typ":"JWT","kid":"k1"})") + "." + b64(claims());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  ASSERT_NE(HMAC(EVP_sha256(), keys_->public_pem.data(), static_cast<int>(keys_->public_pem.size()),
                 reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &mac_length),
            nullptr);
  const std::string token =
      signing_input + "." + util::base64url_encode(std::span<const std::uint8_t>(mac, mac_length));
  expect_unauthenticated(token, "algorithm must be RS256");
}

TEST_F(JwtVerifierTest, OtherAlgorithmsAreRejected) {
  const std::string token = mint();
  for (const char* alg : {"RS384", "RS512", "ES256", "PS256", "HS512"}) {
    const std::string header = b64(std::string(R"({"alg":")") + alg + R"(","typ":"JWT","kid":"k1"})");
    expect_unauthenticated(header + token.substr(token.find('.')), "algorithm must be RS256");
  }
}

TEST_F(JwtVerifierTest, MissingSubIsRejected) {
  expect_unauthenticated(sign_claims(claims("", /*with_sub=*/false)), "no subject");
  expect_unauthenticated(sign_claims(claims("\"sub\":\"\"", false)), "no subject");
  expect_unauthenticated(sign_claims(claims("\"sub\":42", false)), "no subject");
}

TEST_F(JwtVerifierTest, OverlongSubIsRejected) {
  EXPECT_TRUE(verifier_->verify(mint(std::string(128, 'a'))));
  expect_unauthenticated(mint(std::string(129, 'a')), "longer than 128");
}

TEST_F(JwtVerifierTest, BadRoleIsRejected) {
  expect_unauthenticated(sign_claims(claims("\"role\":\"superuser\"")), "unknown role 'superuser'");
  expect_unauthenticated(sign_claims(claims("\"role\":7")), "role claim is not a string");
}

TEST_F(JwtVerifierTest, GarbageIsRejectedWithoutThrowing) {
  const std::vector<std::string> garbage = {
      "",
      "abc",
      "a.b",
      "a.b.c.d",
      "...",
      "..",
      "a..c",
      ".b.c",
      "a.b.",
      "!!!.@@@.###",
      "eyJ.eyJ.eyJ",
      std::string(9000, 'a'),
      std::string("\0.\0.\0", 5),
      b64("[1,2]") + "." + b64("{}") + ".AAAA",
      b64(R"({"alg":5})") + "." + b64("{}") + ".AAAA",
      b64(R"({"alg":"RS256","kid":["k1"]})") + "." + b64("{}") + ".AAAA",
      b64(R"({"alg":"RS256","kid":"k1","typ":"XYZ"})") + "." + b64("{}") + ".AAAA",
      b64(R"({"alg":"RS256","kid":"k1","crit":["exp"]})") + "." + b64("{}") + ".AAAA",
      b64(R"({"alg":"RS256","kid":"k1"})") + "." + b64("not json") + ".AAAA",
  };
  for (const auto& token : garbage) {
    auto result = verifier_->verify(token);
    ASSERT_FALSE(result) << token;
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << token;
    EXPECT_FALSE(result.error().message.empty());
  }
}

TEST_F(JwtVerifierTest, CacheHitReturnsSamePrincipal) {
  const std::string token = mint("scanner-1", Role::kScanner, "store-9");
  auto first = verifier_->verify(token);
  ASSERT_TRUE(first);
  EXPECT_EQ(verifier_->cache_size(), 1u);
  auto second = verifier_->verify(token);
  ASSERT_TRUE(second);
  EXPECT_EQ(verifier_->cache_size(), 1u);
  EXPECT_EQ(second->subject, first->subject);
  EXPECT_EQ(second->role, first->role);
  EXPECT_EQ(second->store_id, first->store_id);
  EXPECT_EQ(second->expires_at, first->expires_at);
}

TEST_F(JwtVerifierTest, CachedTokenIsRejectedOnceExpired) {
  const std::string token = mint("cust-1", Role::kCustomer, "", 120s);
  ASSERT_TRUE(verifier_->verify(token));
  ASSERT_EQ(verifier_->cache_size(), 1u);
  clock_.advance(120s + 30s);  // exactly exp + skew: still accepted
  EXPECT_TRUE(verifier_->verify(token));
  clock_.advance(1s);
  expect_unauthenticated(token, "token expired");
  EXPECT_EQ(verifier_->cache_size(), 0u);
  expect_unauthenticated(token, "token expired");  // and again without the cache
}

TEST_F(JwtVerifierTest, FailuresAreNotCached) {
  expect_unauthenticated(mint("c", Role::kCustomer, "", 600s, "k2"), "unknown key id");
  expect_unauthenticated(sign_claims(claims("\"role\":\"superuser\"")), "unknown role");
  EXPECT_EQ(verifier_->cache_size(), 0u);
}

TEST_F(JwtVerifierTest, CacheStaysBounded) {
  auto created = JwtVerifier::create(JwtKeySet{{"k1", keys_->public_pem}}, kIssuer, kAudience, 30s, clock_,
                                     /*cache_capacity=*/32);
  ASSERT_TRUE(created);
  std::vector<std::string> tokens;
  for (int i = 0; i < 200; ++i) tokens.push_back(mint("cust-" + std::to_string(i)));
  for (const auto& token : tokens) ASSERT_TRUE((*created)->verify(token));
  EXPECT_LE((*created)->cache_size(), 32u);
  // Evicted tokens still verify, just the slow way.
  for (const auto& token : tokens) ASSERT_TRUE((*created)->verify(token));
}

TEST_F(JwtVerifierTest, ConcurrentVerificationIsConsistent) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 8; ++i) tokens.push_back(mint("cust-" + std::to_string(i)));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::size_t index = static_cast<std::size_t>(i + t) % tokens.size();
        auto principal = verifier_->verify(tokens[index]);
        if (!principal || principal->subject != "cust-" + std::to_string(index)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(JwtVerifierTest, CreateRejectsBadKeys) {
  EXPECT_FALSE(JwtVerifier::create(JwtKeySet{}, kIssuer, kAudience, 30s, clock_));
  EXPECT_FALSE(JwtVerifier::create(JwtKeySet{{"k1", "not a pem"}}, kIssuer, kAudience, 30s, clock_));
  // A private key where a public one belongs is a configuration mistake.
  EXPECT_FALSE(JwtVerifier::create(JwtKeySet{{"k1", keys_->private_pem}}, kIssuer, kAudience, 30s, clock_));
  EXPECT_FALSE(JwtVerifier::create(JwtKeySet{{"k1", keys_->public_pem}}, "", kAudience, 30s, clock_));
  EXPECT_FALSE(JwtVerifier::create(JwtKeySet{{"k1", keys_->public_pem}}, kIssuer, "", 30s, clock_));
}

TEST_F(JwtVerifierTest, KeyRotationAcceptsBothKeys) {
  auto created = JwtVerifier::create(JwtKeySet{{"k1", keys_->public_pem}, {"k2", other_keys_->public_pem}}, kIssuer,
                                     kAudience, 30s, clock_);
  ASSERT_TRUE(created);
  EXPECT_TRUE((*created)->verify(mint("a")));
  auto token =
      mint_token(other_keys_->private_pem, "k2", kIssuer, kAudience, "b", Role::kCustomer, "", 600s, clock_.now());
  ASSERT_TRUE(token);
  EXPECT_TRUE((*created)->verify(*token));
  // The kid decides the key: k2's token presented as k1 fails.
  auto mislabeled =
      mint_token(other_keys_->private_pem, "k1", kIssuer, kAudience, "b", Role::kCustomer, "", 600s, clock_.now());
  ASSERT_TRUE(mislabeled);
  EXPECT_FALSE((*created)->verify(*mislabeled));
}

TEST_F(JwtVerifierTest, PublicKeyFolderGivesOneKeyPerPubFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("jwt-keys-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "prod-2025.pub") << keys_->public_pem;
  std::ofstream(dir / "prod-2026.pub") << other_keys_->public_pem;
  std::ofstream(dir / "README.txt") << "not a key";
  auto read = read_public_key_dir(dir);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->size(), 2u);
  auto created = JwtVerifier::create(JwtKeySet(read->begin(), read->end()), kIssuer, kAudience, 30s, clock_);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE((*created)->verify(mint("a", Role::kCustomer, "", 600s, "prod-2025")));
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(read_public_key_dir(dir));
}

TEST(JwtSignerTest, BadPrivateKeyIsAnErrorNotAnException) {
  auto token = mint_token("garbage", "k1", kIssuer, kAudience, "c", Role::kCustomer, "", 60s,
                          domain::Timestamp(std::chrono::seconds(1'700'000'000)));
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tastesync::auth
