#include "infrastructure/crypto/customer_code_codec.h"

#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <exception>
#include <new>
#include <utility>

#include "util/base64url.h"

namespace tastesync::infrastructure {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr std::string_view kField = "code";
constexpr std::size_t kParts = 6;

std::unexpected<domain::Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::move(message), std::string(kField));
}

std::int64_t unix_seconds(domain::Timestamp at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

}  // namespace

domain::Result<std::unique_ptr<HmacCustomerCodeCodec>> HmacCustomerCodeCodec::create(HmacKeyRing keys,
                                                                                     std::chrono::seconds lifetime) {
  if (auto usable = check_hmac_key_ring(keys, "customer code"); !usable) return std::unexpected(usable.error());
  if (lifetime < std::chrono::seconds(1) || lifetime > std::chrono::hours(1)) {
    return fail(ErrorCode::kInvalidArgument, "customer code lifetime must be 1..3600 s");
  }
  try {
    return std::unique_ptr<HmacCustomerCodeCodec>(new HmacCustomerCodeCodec(std::move(keys), lifetime));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("cannot create customer code codec: ") + e.what());
  }
}

HmacCustomerCodeCodec::HmacCustomerCodeCodec(HmacKeyRing keys, std::chrono::seconds lifetime)
    : keys_(std::move(keys)), lifetime_(lifetime) {}

domain::Result<application::IssuedCustomerCode> HmacCustomerCodeCodec::issue(const std::string& customer_id,
                                                                             domain::Timestamp now) const {
  try {
    if (customer_id.empty() || customer_id.size() > kMaxCustomerIdBytes) {
      return fail(ErrorCode::kInvalidArgument, "customer id must be 1..128 bytes", "customer_id");
    }
    const std::string* key = keys_.active();
    if (key == nullptr) {
      return fail(ErrorCode::kFailedPrecondition, "no active customer code key '" + keys_.active_id() + "'");
    }
    std::array<std::uint8_t, kNonceBytes> nonce{};
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
      return fail(ErrorCode::kInternal, "no randomness for the customer code nonce (OpenSSL)");
    }
    // Whole seconds, so the expiry the code states is the one we answer.
    const domain::Timestamp expires_at{std::chrono::seconds(unix_seconds(now) + lifetime_.count())};
    std::string code;
    code.append(kPrefix).append(".").append(util::base64url_encode(customer_id));
    code.append(".").append(std::to_string(unix_seconds(expires_at)));
    code.append(".").append(util::base64url_encode(std::span<const std::uint8_t>(nonce)));
    code.append(".").append(keys_.active_id());
    const auto mac = hmac_sha256(*key, code);
    if (!mac) return fail(ErrorCode::kInternal, "HMAC-SHA256 failed");
    code.append(".").append(util::base64url_encode(std::span<const std::uint8_t>(*mac)));
    return application::IssuedCustomerCode{std::move(code), expires_at};
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kInternal, "out of memory issuing a customer code");
  }
}

domain::Result<application::CustomerCodeClaim> HmacCustomerCodeCodec::verify(std::string_view code,
                                                                             domain::Timestamp now) const {
  try {
    if (code.empty()) return invalid("customer code is empty");
    if (code.size() > kMaxCodeBytes) return invalid("customer code is longer than 512 bytes");

    std::array<std::string_view, kParts> parts{};
    std::size_t count = 0;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = code.find('.', start);
      if (count == parts.size()) return invalid("customer code must have 6 dot-separated parts");
      parts[count++] = code.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    if (count != parts.size()) return invalid("customer code must have 6 dot-separated parts");
    const auto [prefix, customer_b64, expiry_text, nonce_b64, key_id, mac_b64] = parts;
    if (prefix != kPrefix) return invalid("not a TasteSync customer code (expected prefix TSCC1)");
    if (!is_valid_hmac_key_id(key_id)) return invalid("customer code key id is malformed");

    std::int64_t expiry = 0;
    const auto [end, error] = std::from_chars(expiry_text.data(), expiry_text.data() + expiry_text.size(), expiry);
    if (error != std::errc{} || end != expiry_text.data() + expiry_text.size() || expiry_text.empty()) {
      return invalid("customer code expiry is not a number");
    }
    auto customer_id = util::base64url_decode(customer_b64);
    auto nonce = util::base64url_decode(nonce_b64);
    const auto mac = util::base64url_decode(mac_b64);
    if (!customer_id || !nonce || !mac) return invalid("customer code is not valid base64url");

    const std::string* key = keys_.find(key_id);
    if (key == nullptr) return invalid("customer code is signed with an unknown key");
    const std::string_view signed_part = code.substr(0, code.size() - mac_b64.size() - 1);
    const auto expected = hmac_sha256(*key, signed_part);
    if (!expected) return fail(ErrorCode::kInternal, "HMAC-SHA256 failed");
    if (!same_mac(*mac, *expected)) return invalid("customer code signature does not match");

    // Genuine from here on: what remains is whether it is still valid.
    if (customer_id->empty() || customer_id->size() > kMaxCustomerIdBytes) {
      return invalid("customer code names no valid customer");
    }
    if (nonce->size() != kNonceBytes) return invalid("customer code nonce has the wrong length");
    const std::int64_t now_s = unix_seconds(now);
    if (expiry <= now_s) {
      return invalid("customer code expired " + std::to_string(now_s - expiry) +
                     " s ago; ask the customer to show a fresh one");
    }
    if (expiry > now_s + lifetime_.count() + kClockSkew.count()) {
      // Signed by us but valid for longer than we issue: a misconfigured
      // issuer, not something to honour.
      return invalid("customer code is valid for longer than codes are issued for");
    }
    return application::CustomerCodeClaim{std::move(*customer_id), domain::Timestamp{std::chrono::seconds(expiry)},
                                          std::move(*nonce), std::string(key_id)};
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kInternal, "out of memory verifying a customer code");
  }
}

}  // namespace tastesync::infrastructure
