#include "infrastructure/crypto/phone_beacon_index.h"

#include "infrastructure/crypto/rotating_beacon_id.h"

namespace tastesync::infrastructure {
namespace {

constexpr std::size_t kLoadBatch = 10000;
constexpr std::chrono::seconds kMissRefresh{1};

}  // namespace

PhoneBeaconIndex::PhoneBeaconIndex(const application::CustomerDeviceStorePort& devices,
                                   std::chrono::seconds rotation_period, std::chrono::seconds refresh_every)
    : devices_store_(devices), period_(rotation_period), refresh_every_(refresh_every) {}

void PhoneBeaconIndex::index_locked(std::size_t device, std::int64_t counter, WindowIndex& window) {
  if (const auto id = rotating_beacon_id(devices_[device].secret, counter)) window.emplace(id->packed(), device);
}

void PhoneBeaconIndex::advance_locked(std::int64_t counter) {
  std::erase_if(windows_,
                [counter](const auto& entry) { return entry.first < counter - 1 || entry.first > counter + 1; });
  for (std::int64_t c = counter - 1; c <= counter + 1; ++c) {
    if (windows_.contains(c)) continue;
    WindowIndex& window = windows_[c];
    window.reserve(devices_.size());
    for (std::size_t i = 0; i < devices_.size(); ++i) index_locked(i, c, window);
  }
}

void PhoneBeaconIndex::add_locked(const application::CustomerDevice& device) {
  if (!known_ids_.insert(device.device_id).second) return;
  devices_.push_back(device);
  for (auto& [counter, window] : windows_) index_locked(devices_.size() - 1, counter, window);
}

domain::Result<void> PhoneBeaconIndex::refresh_locked(domain::Timestamp now) {
  // Holding the lock across the query is deliberate: one refresh at a time,
  // and it is incremental (only phones registered since the last one).
  while (true) {
    auto batch = devices_store_.load_after(loaded_seq_, kLoadBatch);
    if (!batch) return std::unexpected(batch.error());
    for (const application::CustomerDevice& device : *batch) {
      loaded_seq_ = std::max(loaded_seq_, device.seq);
      add_locked(device);
    }
    if (batch->size() < kLoadBatch) break;
  }
  loaded_ = true;
  last_refresh_ = now;
  return {};
}

void PhoneBeaconIndex::learn(const application::CustomerDevice& device) {
  std::scoped_lock lock(mutex_);
  // Not loaded yet: the first resolve loads it with everyone else.
  if (loaded_) add_locked(device);
}

domain::Result<std::vector<application::PhoneBeaconMatch>> PhoneBeaconIndex::resolve(std::uint16_t major,
                                                                                     std::uint16_t minor,
                                                                                     domain::Timestamp now) {
  std::scoped_lock lock(mutex_);
  advance_locked(rotation_counter(now, period_));
  if (!loaded_ || now - last_refresh_ >= refresh_every_) {
    if (auto ok = refresh_locked(now); !ok) return std::unexpected(ok.error());
  }
  const std::uint32_t packed = RotatingBeaconId{major, minor}.packed();
  auto lookup = [&] {
    std::vector<application::PhoneBeaconMatch> matches;
    for (const auto& [counter, window] : windows_) {
      const auto [first, last] = window.equal_range(packed);
      for (auto it = first; it != last; ++it) {
        const application::CustomerDevice& device = devices_[it->second];
        matches.push_back(application::PhoneBeaconMatch{device.customer_id, device.device_id, counter});
      }
    }
    return matches;
  };
  auto matches = lookup();
  if (matches.empty() && now - last_refresh_ >= kMissRefresh) {
    // Perhaps a phone registered on another instance a moment ago.
    if (auto ok = refresh_locked(now); !ok) return std::unexpected(ok.error());
    matches = lookup();
  }
  return matches;
}

}  // namespace tastesync::infrastructure
