#include "infrastructure/crypto/hmac_sha256.h"

#include <initializer_list>
#include <string>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace tastesync::infrastructure {

std::optional<HmacSha256> hmac_sha256(std::string_view key, std::string_view data) {
  // Fetched once: fetching the algorithm is most of what EVP_Q_mac costs per
  // call (the phone index derives three ids per phone every window). A
  // fetched EVP_MAC is safe to share between threads; contexts are not.
  static EVP_MAC* const kHmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (kHmac == nullptr) return std::nullopt;
  EVP_MAC_CTX* context = EVP_MAC_CTX_new(kHmac);
  if (context == nullptr) return std::nullopt;
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  // EVP_MAC_init accepts a zero-length key pointer only if non-null.
  static const unsigned char kEmpty = 0;
  const auto* key_data = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  HmacSha256 mac{};
  std::size_t length = 0;
  const bool ok = EVP_MAC_init(context, key_data, key.size(), params) == 1 &&
                  EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
                  EVP_MAC_final(context, mac.data(), &length, mac.size()) == 1 && length == kHmacSha256Bytes;
  EVP_MAC_CTX_free(context);
  if (!ok) return std::nullopt;
  return mac;
}

bool same_mac(std::string_view received, const HmacSha256& expected) {
  return received.size() == expected.size() && CRYPTO_memcmp(received.data(), expected.data(), expected.size()) == 0;
}

bool is_valid_hmac_key_id(std::string_view key_id) {
  if (key_id.empty() || key_id.size() > kMaxHmacKeyIdChars) return false;
  for (const char c : key_id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

domain::Result<void> check_hmac_key_ring(const HmacKeyRing& ring, std::string_view what) {
  const auto refuse = [](std::initializer_list<std::string_view> parts) {
    std::string message;
    for (const std::string_view part : parts) message.append(part);
    return domain::fail(domain::ErrorCode::kInvalidArgument, std::move(message));
  };
  for (const auto& [key_id, secret] : ring.keys()) {
    if (!is_valid_hmac_key_id(key_id)) return refuse({what, " key id '", key_id, "' must be 1..64 of [A-Za-z0-9_-]"});
    if (secret.size() < kMinHmacSecretBytes) {
      return refuse({what, " key '", key_id, "' is shorter than ", std::to_string(kMinHmacSecretBytes), " bytes"});
    }
  }
  if (ring.active() == nullptr) return refuse({"active ", what, " key '", ring.active_id(), "' is not in the key set"});
  return {};
}

}  // namespace tastesync::infrastructure
