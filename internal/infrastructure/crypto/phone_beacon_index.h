#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "application/ports/customer_device_port.h"
#include "application/ports/phone_beacon_port.h"

namespace tastesync::infrastructure {

// Resolves rotating phone ids from memory: for the current rotation window
// and its two neighbours (clock skew between phone and server), every
// registered phone's id is computed once and indexed by its 32 bits. When
// the window advances only the newly needed window is computed; phones registered through
// other instances are loaded incrementally from the device store every
// `refresh_every`, and at most once a second on a miss.
//
// Cost: one HMAC per phone per window (three on a cold start) and ~100
// bytes per phone and id. At 10 million phones that is 10 million HMACs
// (seconds of CPU, bench/micro/store_scanner_bench.cpp) per window and a few GB per instance, and 32-bit ids start to
// collide (about 1 in 140 lookups finds two phones sharing an id across the three windows): see the README. v1's
// hundreds of customers cost nothing.
class PhoneBeaconIndex final : public application::PhoneBeaconResolverPort {
 public:
  PhoneBeaconIndex(const application::CustomerDeviceStorePort& devices, std::chrono::seconds rotation_period,
                   std::chrono::seconds refresh_every);

  domain::Result<std::vector<application::PhoneBeaconMatch>> resolve(std::uint16_t major, std::uint16_t minor,
                                                                     domain::Timestamp now) override;
  void learn(const application::CustomerDevice& device) override;

 private:
  // One rotation window's ids: packed Major/Minor -> index into devices_.
  using WindowIndex = std::unordered_multimap<std::uint32_t, std::size_t>;

  domain::Result<void> refresh_locked(domain::Timestamp now);
  void add_locked(const application::CustomerDevice& device);
  void index_locked(std::size_t device, std::int64_t counter, WindowIndex& window);
  // Keeps windows counter-1..counter+1, computing only the ones not held yet
  // (one HMAC per phone when the window advances by one).
  void advance_locked(std::int64_t counter);

  const application::CustomerDeviceStorePort& devices_store_;
  const std::chrono::seconds period_;
  const std::chrono::seconds refresh_every_;

  std::mutex mutex_;
  std::vector<application::CustomerDevice> devices_;
  std::unordered_set<std::string> known_ids_;
  std::int64_t loaded_seq_ = 0;
  bool loaded_ = false;
  domain::Timestamp last_refresh_{};
  std::map<std::int64_t, WindowIndex> windows_;  // by counter
};

}  // namespace tastesync::infrastructure
