#pragma once

// Hexadecimal, the project's one implementation (secrets in key files, Redis
// script digests, UUID text, percent-encoding). The domain keeps its own few
// lines for UUIDs so it depends on nothing outside the standard library.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tastesync::util {

// 0..15 for a hex digit (either case), -1 for anything else.
int hex_digit_value(char c);

// Lower-case, two digits per byte.
std::string hex_encode(std::string_view bytes);
std::string hex_encode(std::span<const std::uint8_t> bytes);

// nullopt for an odd length or a character that is not a hex digit.
std::optional<std::string> hex_decode(std::string_view text);

}  // namespace tastesync::util
