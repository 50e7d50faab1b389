#include "domain/entities/beacon.h"

#include <cstdio>

namespace tastesync::domain {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<BeaconUuid> BeaconUuid::parse(std::string_view text) {
  constexpr std::size_t kCanonicalLength = 36;
  if (text.size() != kCanonicalLength) {
    return fail(ErrorCode::kInvalidArgument,
                "uuid must be 36 characters in the 8-4-4-4-12 form, got " + std::to_string(text.size()));
  }
  std::array<std::uint8_t, 16> bytes{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return fail(ErrorCode::kInvalidArgument, "uuid must have '-' at positions 9, 14, 19 and 24");
      ++i;
      continue;
    }
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return fail(ErrorCode::kInvalidArgument, "uuid must contain only hexadecimal digits");
    bytes[out++] = static_cast<std::uint8_t>(high * 16 + low);
    i += 2;
  }
  return BeaconUuid(bytes);
}

std::string BeaconUuid::to_string() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kDigits[bytes_[i] >> 4]);
    text.push_back(kDigits[bytes_[i] & 0x0f]);
  }
  return text;
}

std::string BeaconKey::to_string() const {
  return uuid.to_string() + "/" + std::to_string(major) + "/" + std::to_string(minor);
}

std::size_t BeaconKeyHash::operator()(const BeaconKey& key) const noexcept {
  // FNV-1a over the 20 identifying bytes: cheap and well spread for a table
  // of a few thousand beacons.
  std::uint64_t hash = 1469598103934665603ULL;
  auto mix = [&hash](std::uint8_t byte) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  };
  for (auto byte : key.uuid.bytes()) mix(byte);
  mix(static_cast<std::uint8_t>(key.major >> 8));
  mix(static_cast<std::uint8_t>(key.major & 0xff));
  mix(static_cast<std::uint8_t>(key.minor >> 8));
  mix(static_cast<std::uint8_t>(key.minor & 0xff));
  return static_cast<std::size_t>(hash);
}

}  // namespace tastesync::domain
