#include "infrastructure/crypto/rotating_beacon_id.h"

#include <array>

#include "infrastructure/crypto/hmac_sha256.h"

namespace tastesync::infrastructure {

std::int64_t rotation_counter(domain::Timestamp at, std::chrono::seconds period) {
  const std::int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  const std::int64_t length = period.count();
  // Floor, not truncation, so times before 1970 cannot share window 0.
  std::int64_t counter = seconds / length;
  if (seconds % length != 0 && seconds < 0) --counter;
  return counter;
}

std::optional<RotatingBeaconId> rotating_beacon_id(std::string_view secret, std::int64_t counter) {
  std::array<char, 8> message{};
  auto value = static_cast<std::uint64_t>(counter);
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xffU);
    value >>= 8;
  }
  const auto mac = hmac_sha256(secret, std::string_view(message.data(), message.size()));
  if (!mac) return std::nullopt;
  return RotatingBeaconId{static_cast<std::uint16_t>(((*mac)[0] << 8) | (*mac)[1]),
                          static_cast<std::uint16_t>(((*mac)[2] << 8) | (*mac)[3])};
}

}  // namespace tastesync::infrastructure
