#include "auth/jwt.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "util/base64url.h"

namespace tastesync::auth {
namespace {

using application::Principal;
using application::Role;
using domain::ErrorCode;
using domain::fail;
using domain::Result;
using json_t = nlohmann::json;

std::unexpected<domain::Error> unauthenticated(std::string message) {
  return fail(ErrorCode::kUnauthenticated, std::move(message));
}

// Values from a token end up in error messages and logs: keep them short and
// printable so a hostile token cannot inject control characters or megabytes.
std::string printable(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::string out;
  for (const char c : text.substr(0, kMax)) {
    out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  if (text.size() > kMax) out += "...";
  return out;
}

// NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional.
// Bounded so the conversion to the nanosecond system_clock cannot overflow
// (int64 nanoseconds end in 2262).
constexpr double kMaxNumericDate = 8'000'000'000.0;  // year 2223

std::optional<domain::Timestamp> numeric_date(const json_t& value) {
  double seconds = 0;
  if (value.is_number_integer() || value.is_number_unsigned() || value.is_number_float()) {
    seconds = value.get<double>();
  } else {
    return std::nullopt;
  }
  if (!(seconds >= 0.0 && seconds <= kMaxNumericDate)) return std::nullopt;  // also rejects NaN
  return domain::Timestamp(std::chrono::duration_cast<domain::Clock::duration>(std::chrono::duration<double>(seconds)));
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "customer") return Role::kCustomer;
  if (text == "scanner") return Role::kScanner;
  if (text == "staff") return Role::kStaff;
  if (text == "admin") return Role::kAdmin;
  if (text == "service") return Role::kService;
  return std::nullopt;
}

bool audience_matches(const json_t& aud, const std::string& expected) {
  if (aud.is_string()) return aud.get_ref<const std::string&>() == expected;
  if (aud.is_array()) {
    return std::any_of(aud.begin(), aud.end(), [&](const json_t& item) {
      return item.is_string() && item.get_ref<const std::string&>() == expected;
    });
  }
  return false;
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};

std::unique_ptr<EVP_PKEY, PkeyDeleter> parse_public_key(const std::string& pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return std::unique_ptr<EVP_PKEY, PkeyDeleter>(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

Result<void> check_public_key(const std::string& kid, const std::string& pem) {
  const auto key = parse_public_key(pem);
  if (!key) {
    return fail(ErrorCode::kInvalidArgument, "JWT key '" + kid + "' is not a PEM public key (BEGIN PUBLIC KEY)");
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return fail(ErrorCode::kInvalidArgument, "JWT key '" + kid + "' is not an RSA key (RS256 needs RSA)");
  }
  if (EVP_PKEY_get_bits(key.get()) < 2048) {
    return fail(ErrorCode::kInvalidArgument, "JWT key '" + kid + "' is shorter than 2048 bits");
  }
  return {};
}

}  // namespace

void JwtVerifier::EvpMdDeleter::operator()(evp_md_st* md) const noexcept { EVP_MD_free(md); }
void JwtVerifier::PkeyDeleter::operator()(evp_pkey_st* key) const noexcept { EVP_PKEY_free(key); }

std::size_t JwtVerifier::DigestHash::operator()(const Digest& digest) const noexcept {
  // The digest is already uniformly distributed; any 8 bytes make a good hash.
  std::size_t value = 0;
  std::memcpy(&value, digest.data(), sizeof value);
  return value;
}

Result<std::unique_ptr<JwtVerifier>> JwtVerifier::create(const JwtKeySet& keys, std::string issuer,
                                                         std::string audience, std::chrono::seconds clock_skew,
                                                         const application::ClockPort& clock,
                                                         std::size_t cache_capacity) {
  if (keys.empty()) return fail(ErrorCode::kInvalidArgument, "JWT key set is empty");
  for (const auto& [kid, pem] : keys) {
    if (kid.empty()) return fail(ErrorCode::kInvalidArgument, "JWT key id must not be empty");
    if (auto ok = check_public_key(kid, pem); !ok) return std::unexpected(std::move(ok.error()));
  }
  if (issuer.empty()) return fail(ErrorCode::kInvalidArgument, "expected JWT issuer must be set");
  if (audience.empty()) return fail(ErrorCode::kInvalidArgument, "expected JWT audience must be set");
  if (clock_skew.count() < 0) return fail(ErrorCode::kInvalidArgument, "JWT clock skew must not be negative");
  try {
    return std::make_unique<JwtVerifier>(keys, std::move(issuer), std::move(audience), clock_skew, clock,
                                         cache_capacity);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("cannot create JWT verifier: ") + e.what());
  }
}

JwtVerifier::JwtVerifier(const JwtKeySet& keys, std::string issuer, std::string audience,
                         std::chrono::seconds clock_skew, const application::ClockPort& clock,
                         std::size_t cache_capacity)
    : issuer_(std::move(issuer)),
      audience_(std::move(audience)),
      clock_skew_(clock_skew),
      clock_(clock),
      shard_capacity_(cache_capacity == 0 ? 0 : std::max<std::size_t>(1, cache_capacity / kShardCount)),
      sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {
  for (const auto& [kid, pem] : keys) {
    auto parsed = parse_public_key(pem);
    const bool usable = parsed && EVP_PKEY_get_base_id(parsed.get()) == EVP_PKEY_RSA;
    public_keys_.emplace(kid, usable ? parsed.release() : nullptr);
  }
}

bool JwtVerifier::signature_verifies(evp_pkey_st* key, std::string_view signed_part,
                                     const std::string& signature) const {
  // RS256 = RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), OpenSSL's default
  // RSA padding. The signature is exactly the modulus length.
  if (!sha256_ || signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key))) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, sha256_.get(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

JwtVerifier::~JwtVerifier() = default;

bool JwtVerifier::digest_of(std::string_view token, Digest& out) const {
  unsigned int length = 0;
  return sha256_ && EVP_Digest(token.data(), token.size(), out.data(), &length, sha256_.get(), nullptr) == 1 &&
         length == out.size();
}

JwtVerifier::Shard& JwtVerifier::shard_for(const Digest& digest) const {
  // Use bytes the in-shard hash does not, so shards and buckets stay independent.
  return shards_[digest[31] % kShardCount];
}

std::size_t JwtVerifier::cache_size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

void JwtVerifier::remember(const Digest& digest, const Principal& principal) const {
  Shard& shard = shard_for(digest);
  const domain::Timestamp now = clock_.now();
  std::lock_guard lock(shard.mutex);
  auto& entries = shard.entries;
  if (entries.size() >= shard_capacity_ && !entries.contains(digest)) {
    // Full: drop what has expired; if that is not enough, drop the eighth of
    // the shard that expires soonest (least future value). Batch eviction
    // keeps the amortised cost per insert small next to the RSA verify.
    std::erase_if(entries, [&](const auto& item) { return item.second.valid_until < now; });
    if (entries.size() >= shard_capacity_) {
      std::vector<std::pair<domain::Timestamp, Digest>> by_expiry;
      by_expiry.reserve(entries.size());
      for (const auto& [key, entry] : entries) by_expiry.emplace_back(entry.valid_until, key);
      const std::size_t drop = std::max<std::size_t>(1, entries.size() / 8);
      std::nth_element(by_expiry.begin(), by_expiry.begin() + static_cast<std::ptrdiff_t>(drop - 1), by_expiry.end());
      for (std::size_t i = 0; i < drop; ++i) entries.erase(by_expiry[i].second);
    }
  }
  entries.insert_or_assign(digest, CacheEntry{principal, principal.expires_at + clock_skew_});
}

Result<Principal> JwtVerifier::verify(std::string_view bearer_token) const {
  std::string_view token = bearer_token;
  if (token.size() >= 7 && (token.substr(0, 7) == "Bearer " || token.substr(0, 7) == "bearer ")) {
    token.remove_prefix(7);
  }
  if (token.empty()) return unauthenticated("token is empty");
  if (token.size() > kMaxTokenBytes) return unauthenticated("token is longer than 8192 bytes");
  if (shard_capacity_ == 0) return verify_uncached(token);

  Digest digest{};
  if (!digest_of(token, digest)) return verify_uncached(token);
  {
    Shard& shard = shard_for(digest);
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.entries.find(digest); it != shard.entries.end()) {
      if (clock_.now() <= it->second.valid_until) {
        cache_hits_.fetch_add(1, std::memory_order_relaxed);
        try {
          return it->second.principal;
        } catch (const std::bad_alloc&) {
          return fail(ErrorCode::kInternal, "out of memory");
        }
      }
      shard.entries.erase(it);
      return unauthenticated("token expired");
    }
  }
  cache_misses_.fetch_add(1, std::memory_order_relaxed);
  auto principal = verify_uncached(token);
  if (principal) {
    try {
      remember(digest, *principal);
    } catch (const std::exception&) {
      // Caching is an optimisation; a failure to cache must not fail the call.
    }
  }
  return principal;
}

Result<Principal> JwtVerifier::verify_uncached(std::string_view token) const {
  try {
    if (token.empty()) return unauthenticated("token is empty");
    if (token.size() > kMaxTokenBytes) return unauthenticated("token is longer than 8192 bytes");

    // header.payload.signature, all three non-empty, strict base64url.
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
      return unauthenticated("token is not a JWS (expected header.payload.signature)");
    }
    const std::string_view header_b64 = token.substr(0, dot1);
    const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_b64 = token.substr(dot2 + 1);
    if (header_b64.empty() || payload_b64.empty()) return unauthenticated("token header or payload is empty");
    if (signature_b64.empty()) return unauthenticated("token is unsigned; algorithm must be RS256");
    const auto header_text = util::base64url_decode(header_b64);
    const auto payload_text = util::base64url_decode(payload_b64);
    const auto signature = util::base64url_decode(signature_b64);
    if (!header_text || !payload_text || !signature) return unauthenticated("token is not valid base64url");

    // --- header: algorithm and key --------------------------------------------
    // The algorithm is ours to choose, never the token's: only RS256, exact
    // and case-sensitive (RFC 7515). This is what stops `none` and HS256
    // signed with our public key as the HMAC secret.
    const json_t header = json_t::parse(*header_text, nullptr, /*allow_exceptions=*/false);
    if (!header.is_object()) return unauthenticated("token header is not a JSON object");
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "RS256") {
      return unauthenticated("algorithm must be RS256");
    }
    if (header.contains("crit")) {
      return unauthenticated("token header has critical extensions we do not understand");
    }
    const auto kid = header.find("kid");
    if (kid == header.end() || !kid->is_string()) return unauthenticated("token header has no key id (kid)");
    const auto key = public_keys_.find(kid->get_ref<const std::string&>());
    if (key == public_keys_.end()) {
      return unauthenticated("unknown key id '" + printable(kid->get_ref<const std::string&>()) + "'");
    }
    if (!key->second) {
      return fail(ErrorCode::kInternal, "configured key '" + key->first + "' is not a usable public key");
    }

    // --- signature, over the exact bytes received ------------------------------
    if (!signature_verifies(key->second.get(), token.substr(0, dot2), *signature)) {
      return unauthenticated("signature does not verify");
    }

    // --- claims, against our clock ------------------------------------------------
    const json_t claims = json_t::parse(*payload_text, nullptr, /*allow_exceptions=*/false);
    if (!claims.is_object()) return unauthenticated("token payload is not a JSON object");

    const domain::Timestamp now = clock_.now();
    const auto exp_it = claims.find("exp");
    if (exp_it == claims.end()) return unauthenticated("token has no exp claim");
    const auto exp = numeric_date(*exp_it);
    if (!exp) return unauthenticated("token exp claim is not a valid NumericDate");
    if (now > *exp + clock_skew_) return unauthenticated("token expired");
    if (const auto nbf_it = claims.find("nbf"); nbf_it != claims.end()) {
      const auto nbf = numeric_date(*nbf_it);
      if (!nbf) return unauthenticated("token nbf claim is not a valid NumericDate");
      if (*nbf > now + clock_skew_) return unauthenticated("token not valid yet (nbf is in the future)");
    }
    if (const auto iat_it = claims.find("iat"); iat_it != claims.end()) {
      const auto iat = numeric_date(*iat_it);
      if (!iat) return unauthenticated("token iat claim is not a valid NumericDate");
      if (*iat > now + clock_skew_) return unauthenticated("token issued in the future (iat)");
    }

    const auto iss = claims.find("iss");
    if (iss == claims.end() || !iss->is_string()) return unauthenticated("token has no issuer (iss)");
    if (iss->get_ref<const std::string&>() != issuer_) {
      return unauthenticated("issuer '" + printable(iss->get_ref<const std::string&>()) + "' is not accepted");
    }
    const auto aud = claims.find("aud");
    if (aud == claims.end()) return unauthenticated("token has no audience (aud)");
    if (!audience_matches(*aud, audience_))
      return unauthenticated("token audience does not include '" + audience_ + "'");

    Principal principal;
    const auto sub = claims.find("sub");
    if (sub == claims.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) {
      return unauthenticated("token has no subject (sub)");
    }
    principal.subject = sub->get<std::string>();
    if (principal.subject.size() > kMaxSubjectChars)
      return unauthenticated("token subject is longer than 128 characters");

    if (const auto role = claims.find("role"); role != claims.end()) {
      if (!role->is_string()) return unauthenticated("token role claim is not a string");
      const auto parsed = parse_role(role->get_ref<const std::string&>());
      if (!parsed) return unauthenticated("unknown role '" + printable(role->get_ref<const std::string&>()) + "'");
      principal.role = *parsed;
    }
    if (const auto store = claims.find("store_id"); store != claims.end()) {
      if (!store->is_string()) return unauthenticated("token store_id claim is not a string");
      principal.store_id = store->get<std::string>();
      if (principal.store_id.size() > kMaxSubjectChars) {
        return unauthenticated("token store_id is longer than 128 characters");
      }
    }
    if (const auto device = claims.find("device_id"); device != claims.end()) {
      if (!device->is_string()) return unauthenticated("token device_id claim is not a string");
      principal.device_id = device->get<std::string>();
      if (principal.device_id.size() > kMaxSubjectChars) {
        return unauthenticated("token device_id is longer than 128 characters");
      }
    }
    if ((principal.role == Role::kScanner || principal.role == Role::kStaff) && principal.store_id.empty()) {
      return unauthenticated(std::string("role '") + application::to_string(principal.role) +
                             "' requires a store_id claim");
    }
    principal.expires_at = *exp;
    return principal;
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kInternal, "out of memory verifying token");
  } catch (const std::exception& e) {
    // nlohmann throws on some unexpected input; never let it escape.
    return unauthenticated(std::string("token is malformed: ") + printable(e.what()));
  } catch (...) {
    return unauthenticated("token is malformed");
  }
}

}  // namespace tastesync::auth
