#pragma once

#include <chrono>
#include <optional>

#include "domain/entities/beacon.h"

namespace tastesync::domain {

using Clock = std::chrono::system_clock;
using Timestamp = Clock::time_point;

// One advertisement of a store beacon heard by the customer's phone.
struct Sighting {
  BeaconKey beacon;
  int rssi = 0;                 // dBm, -127..-1
  std::optional<int> tx_power;  // dBm at 1 m, when the advertisement carries it
  Timestamp observed_at{};
};

}  // namespace tastesync::domain
