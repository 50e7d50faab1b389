#include "infrastructure/crypto/hmac_sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace tastesync::infrastructure {

std::optional<HmacSha256> hmac_sha256(std::string_view key, std::string_view data) {
  HmacSha256 mac{};
  std::size_t length = 0;
  // EVP_Q_mac accepts a zero-length key pointer only if non-null.
  static const char kEmpty = 0;
  const void* key_data = key.empty() ? &kEmpty : key.data();
  char digest_name[] = "SHA256";
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name, nullptr, key_data, key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), mac.size(),
                &length) == nullptr ||
      length != kHmacSha256Bytes) {
    return std::nullopt;
  }
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

}  // namespace tastesync::infrastructure
