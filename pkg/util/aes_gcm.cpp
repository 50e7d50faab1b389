#include "util/aes_gcm.h"

#include "util/hex.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace tastesync::util {
namespace {

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() { return CipherContext(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free); }

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

// EVP takes int lengths; our values are names and phone numbers, so anything
// near INT_MAX is a caller bug, refused rather than truncated.
bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX) - kAesGcmTagBytes; }

}  // namespace

std::optional<std::string> aes_gcm_seal(const AesGcmKey& key, std::string_view plaintext,
                                        std::string_view associated_data) {
  if (!fits_int(plaintext.size()) || !fits_int(associated_data.size())) return std::nullopt;
  std::string sealed(kAesGcmNonceBytes + plaintext.size() + kAesGcmTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  // A random 96-bit nonce per value: with one key sealing far fewer than
  // 2^32 values, a repeat (which would break GCM) is negligible.
  if (RAND_bytes(out, static_cast<int>(kAesGcmNonceBytes)) != 1) return std::nullopt;

  CipherContext ctx = new_context();
  int written = 0;
  int ignored = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), out) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &ignored, bytes_of(associated_data),
                        static_cast<int>(associated_data.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out + kAesGcmNonceBytes, &written, bytes_of(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + kAesGcmNonceBytes + written, &ignored) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagBytes),
                          out + kAesGcmNonceBytes + plaintext.size()) != 1) {
    return std::nullopt;
  }
  return sealed;
}

std::optional<std::string> aes_gcm_open(const AesGcmKey& key, std::string_view sealed,
                                        std::string_view associated_data) {
  if (sealed.size() < kAesGcmNonceBytes + kAesGcmTagBytes) return std::nullopt;
  if (!fits_int(sealed.size()) || !fits_int(associated_data.size())) return std::nullopt;
  const unsigned char* in = bytes_of(sealed);
  const std::size_t length = sealed.size() - kAesGcmNonceBytes - kAesGcmTagBytes;
  // The tag is an input here; OpenSSL's ctrl takes a non-const pointer.
  std::array<unsigned char, kAesGcmTagBytes> tag{};
  std::copy_n(in + kAesGcmNonceBytes + length, kAesGcmTagBytes, tag.begin());

  std::string plaintext(length, '\0');
  CipherContext ctx = new_context();
  int written = 0;
  int ignored = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), in) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &ignored, bytes_of(associated_data),
                        static_cast<int>(associated_data.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &written, in + kAesGcmNonceBytes,
                        static_cast<int>(length)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagBytes), tag.data()) != 1) {
    return std::nullopt;
  }
  // Final checks the tag: nothing decrypted is released unless it matches.
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + written, &ignored) != 1) {
    return std::nullopt;
  }
  return plaintext;
}

std::optional<AesGcmKey> aes_gcm_key_from(std::string_view raw_or_hex) {
  AesGcmKey key{};
  if (raw_or_hex.size() == kAesGcmKeyBytes) {
    std::copy(raw_or_hex.begin(), raw_or_hex.end(), reinterpret_cast<char*>(key.data()));
    return key;
  }
  if (raw_or_hex.size() != 2 * kAesGcmKeyBytes) return std::nullopt;
  const auto bytes = hex_decode(raw_or_hex);
  if (!bytes) return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), reinterpret_cast<char*>(key.data()));
  return key;
}

}  // namespace tastesync::util
