#pragma once

// HMAC-SHA256 and the key-id rules shared by everything the service signs
// (table QR codes, customer entrance codes) or derives (phones' rotating
// beacon ids).

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tastesync::infrastructure {

inline constexpr std::size_t kHmacSha256Bytes = 32;
using HmacSha256 = std::array<std::uint8_t, kHmacSha256Bytes>;

// key id -> raw HMAC key bytes. Several ids let keys rotate: new payloads
// use the active one, older payloads verify while their key stays listed.
using HmacKeySet = std::map<std::string, std::string, std::less<>>;
inline constexpr std::size_t kMaxHmacKeyIdChars = 64;

// nullopt only if OpenSSL fails.
std::optional<HmacSha256> hmac_sha256(std::string_view key, std::string_view data);

// Constant time, so response timing reveals nothing about how much of a
// forged MAC matched.
bool same_mac(std::string_view received, const HmacSha256& expected);

// 1..64 of [A-Za-z0-9_-]: travels in the clear inside dot-separated payloads.
bool is_valid_hmac_key_id(std::string_view key_id);

}  // namespace tastesync::infrastructure
