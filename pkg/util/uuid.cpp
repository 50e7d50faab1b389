#include "util/uuid.h"

#include "util/hex.h"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace tastesync::util {

std::string uuid_v7_at(std::chrono::system_clock::time_point at, std::uint64_t random_high, std::uint64_t random_low) {
  const auto millis =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
  std::array<std::uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(millis >> (40 - 8 * i));
  bytes[6] = static_cast<std::uint8_t>(0x70 | ((random_high >> 8) & 0x0f));  // version 7
  bytes[7] = static_cast<std::uint8_t>(random_high);
  bytes[8] = static_cast<std::uint8_t>(0x80 | ((random_low >> 56) & 0x3f));  // RFC 9562 variant
  for (int i = 9; i < 16; ++i)
    bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(random_low >> (8 * (15 - i)));
  const std::string digits = hex_encode(std::span<const std::uint8_t>(bytes.data(), bytes.size()));
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    if (i == 8 || i == 12 || i == 16 || i == 20) text.push_back('-');
    text.append(digits, i, 2);
  }
  return text;
}

std::string new_uuid_v7() {
  std::array<std::uint64_t, 2> random{};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), sizeof(random)) != 1) {
    // The CSPRNG failing means the process cannot make safe ids at all.
    throw std::runtime_error("RAND_bytes failed");
  }
  return uuid_v7_at(std::chrono::system_clock::now(), random[0], random[1]);
}

}  // namespace tastesync::util
