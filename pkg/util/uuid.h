#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tastesync::util {

// A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids
// sort by creation time; used for event and visit ids. Thread-safe.
std::string new_uuid_v7();
std::string uuid_v7_at(std::chrono::system_clock::time_point at, std::uint64_t random_high, std::uint64_t random_low);

}  // namespace tastesync::util
