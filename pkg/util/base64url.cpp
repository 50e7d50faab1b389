#include "util/base64url.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstddef>

namespace tastesync::util {
namespace {

// Maps a base64url character to its 6-bit value; 0xFF marks everything else
// (including the standard alphabet's '+' and '/', and '=').
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(0xFF);
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> kDecodeTable = make_decode_table();

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  // EVP_EncodeBlock writes standard base64 with padding and a trailing NUL;
  // it takes an int length, so feed it in chunks that are a multiple of 3.
  constexpr std::size_t kChunk = std::size_t{3} * 1024 * 1024;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4 + 1);
  std::string buffer((std::min(kChunk, bytes.size()) + 2) / 3 * 4 + 1, '\0');
  for (std::size_t offset = 0; offset < bytes.size(); offset += kChunk) {
    const std::size_t n = std::min(kChunk, bytes.size() - offset);
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(buffer.data()), bytes.data() + offset, static_cast<int>(n));
    out.append(buffer.data(), static_cast<std::size_t>(written));
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+')
      c = '-';
    else if (c == '/')
      c = '_';
  }
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  return base64url_encode(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

// Decoded by hand rather than with EVP_DecodeBlock: that function skips
// leading/trailing whitespace, needs padding re-added, and reports padded
// zero bytes as data, so being strict on top of it takes more code than this.
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    const std::uint8_t value = kDecodeTable[static_cast<unsigned char>(c)];
    if (value == 0xFF) return std::nullopt;
    accumulator = (accumulator << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((accumulator >> bits) & 0xFFu));
    }
  }
  // The 2 or 4 bits left over from a short final group must be zero; otherwise
  // two different strings would decode to the same bytes.
  if (bits > 0 && (accumulator & ((1u << bits) - 1u)) != 0) return std::nullopt;
  return out;
}

}  // namespace tastesync::util
