#pragma once

// Redis Cluster's key-to-slot rule, as the servers compute it (the cluster
// specification): CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the
// key modulo 16384, where a key holding a non-empty `{...}` hashes only what
// is between the first `{` and the next `}` (its hash tag). Keys that share a
// tag share a slot, so one script or pipeline may touch them together.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tastesync::infrastructure::redis {

inline constexpr std::uint16_t kClusterSlots = 16384;

std::uint16_t crc16_xmodem(std::string_view bytes);

// The slot of `key`, hash tag rule included.
std::uint16_t key_slot(std::string_view key);

// The key a command is routed by, or nullopt for one that names no key (PING,
// an EVAL with no keys): the first key of EVAL/EVALSHA, else the first
// argument. Every command this adapter sends addresses one slot (see
// key_layout.h), so its first key decides.
std::optional<std::string_view> routing_key(std::span<const std::string_view> command);

// A MOVED or ASK error reply ("MOVED 3999 127.0.0.1:6381"): where the slot is.
struct Redirect {
  bool ask = false;  // ASK: only this command, once, after ASKING; MOVED: the slot has moved
  std::uint16_t slot = 0;
  std::string address;  // host:port
};
std::optional<Redirect> parse_redirect(std::string_view error);

}  // namespace tastesync::infrastructure::redis
