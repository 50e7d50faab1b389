#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tastesync::util {

// RFC 4648 §5 base64url without '=' padding, the form JWTs and our table QR
// payloads use. Decoding is strict: any character outside [A-Za-z0-9_-], any
// padding, a length of 1 (mod 4), or non-zero leftover bits yield nullopt, so
// each byte string has exactly one accepted encoding (a tampered payload
// cannot slip through as an "equivalent" spelling).
std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tastesync::util
