#pragma once

// HMAC-SHA256 and the key-id rules shared by everything the service signs
// (table QR codes, customer entrance codes) or derives (phones' rotating
// beacon ids).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "util/key_ring.h"

namespace tastesync::infrastructure {

inline constexpr std::size_t kHmacSha256Bytes = 32;
using HmacSha256 = std::array<std::uint8_t, kHmacSha256Bytes>;

// key id -> raw HMAC key bytes, one of them active (util/key_ring.h): new
// payloads use the active one, older payloads verify while their key stays
// listed.
using HmacKeyRing = util::KeyRing<std::string>;
inline constexpr std::size_t kMaxHmacKeyIdChars = 64;

// nullopt only if OpenSSL fails.
std::optional<HmacSha256> hmac_sha256(std::string_view key, std::string_view data);

// Constant time, so response timing reveals nothing about how much of a
// forged MAC matched.
bool same_mac(std::string_view received, const HmacSha256& expected);

// 1..64 of [A-Za-z0-9_-]: travels in the clear inside dot-separated payloads.
bool is_valid_hmac_key_id(std::string_view key_id);

inline constexpr std::size_t kMinHmacSecretBytes = 16;

// The one check of a key ring before a codec uses it: every id valid, every
// secret at least kMinHmacSecretBytes, the active id present; else
// kInvalidArgument whose message names the keys as `what` ("table QR").
domain::Result<void> check_hmac_key_ring(const HmacKeyRing& ring, std::string_view what);

}  // namespace tastesync::infrastructure
