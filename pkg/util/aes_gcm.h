#pragma once

// AES-256-GCM sealing for small secrets at rest (customers' personal data).
// Sealed form: 12-byte random nonce | ciphertext | 16-byte tag. The
// associated data is authenticated but not stored: callers bind a ciphertext
// to where it lives (e.g. customer id + key id + column), so a value copied
// into another row or column fails to open.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tastesync::util {

inline constexpr std::size_t kAesGcmKeyBytes = 32;
inline constexpr std::size_t kAesGcmNonceBytes = 12;
inline constexpr std::size_t kAesGcmTagBytes = 16;

using AesGcmKey = std::array<std::uint8_t, kAesGcmKeyBytes>;

// nullopt only if OpenSSL fails (no randomness, out of memory).
std::optional<std::string> aes_gcm_seal(const AesGcmKey& key, std::string_view plaintext,
                                        std::string_view associated_data);

// nullopt when the input is too short, was tampered with, or the key or the
// associated data differ from sealing time.
std::optional<std::string> aes_gcm_open(const AesGcmKey& key, std::string_view sealed,
                                        std::string_view associated_data);

// Reads a key from exactly 32 raw bytes or their 64-character hex spelling
// (the forms a mounted secret file usually takes); nullopt otherwise.
std::optional<AesGcmKey> aes_gcm_key_from(std::string_view raw_or_hex);

}  // namespace tastesync::util
