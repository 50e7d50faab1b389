#include "infrastructure/redis/cluster_slots.h"

#include <array>
#include <charconv>

namespace tastesync::infrastructure::redis {
namespace {

constexpr std::array<std::uint16_t, 256> make_crc16_table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    auto crc = static_cast<std::uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc =
          (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021) : static_cast<std::uint16_t>(crc << 1);
    }
    table[byte] = crc;
  }
  return table;
}

constexpr auto kCrc16Table = make_crc16_table();

bool is(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i] >= 'a' && word[i] <= 'z' ? static_cast<char>(word[i] - 'a' + 'A') : word[i];
    if (c != upper[i]) return false;
  }
  return true;
}

}  // namespace

std::uint16_t crc16_xmodem(std::string_view bytes) {
  std::uint16_t crc = 0;
  for (const char c : bytes) {
    const auto index = static_cast<std::uint8_t>((crc >> 8) ^ static_cast<std::uint8_t>(c));
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrc16Table[index]);
  }
  return crc;
}

std::uint16_t key_slot(std::string_view key) {
  if (const auto open = key.find('{'); open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    // An empty tag ("{}") does not count: the whole key is hashed.
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return static_cast<std::uint16_t>(crc16_xmodem(key) % kClusterSlots);
}

std::optional<std::string_view> routing_key(std::span<const std::string_view> command) {
  if (command.size() < 2) return std::nullopt;
  const std::string_view name = command.front();
  if (is(name, "EVAL") || is(name, "EVALSHA")) {
    if (command.size() < 4 || command[2] == "0") return std::nullopt;
    return command[3];
  }
  if (is(name, "PING") || is(name, "CLUSTER") || is(name, "ASKING") || is(name, "INFO") || is(name, "SCRIPT")) {
    return std::nullopt;
  }
  return command[1];
}

std::optional<Redirect> parse_redirect(std::string_view error) {
  Redirect redirect;
  if (error.starts_with("ASK ")) {
    redirect.ask = true;
    error.remove_prefix(4);
  } else if (error.starts_with("MOVED ")) {
    error.remove_prefix(6);
  } else {
    return std::nullopt;
  }
  const auto space = error.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  unsigned slot = 0;
  const auto [end, ec] = std::from_chars(error.data(), error.data() + space, slot);
  if (ec != std::errc{} || end != error.data() + space || slot >= kClusterSlots) return std::nullopt;
  redirect.slot = static_cast<std::uint16_t>(slot);
  redirect.address = std::string(error.substr(space + 1));
  // host:port, the host possibly empty (a node that does not know its own
  // address) but the port required.
  const auto colon = redirect.address.rfind(':');
  if (colon == std::string::npos || colon + 1 == redirect.address.size()) return std::nullopt;
  return redirect;
}

}  // namespace tastesync::infrastructure::redis
