#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "application/ports/customer_device_port.h"
#include "application/ports/phone_beacon_port.h"

namespace tastesync::infrastructure {

// Resolves rotating phone ids from memory. A snapshot holds, for four
// consecutive rotation windows (the previous, the current, the next for
// clock skew, and the one after, computed ahead), every registered phone's
// id in a sorted array of 8-byte entries. Snapshots are immutable: when the
// window turns, a background thread computes the new window's table (one
// HMAC per phone) off the lock and swaps the new snapshot in, while lookups
// go on in the old one, which already holds every window they need. Only a
// cold start, or a jump of more than one window (an instance idle across
// windows), builds while the caller waits.
//
// Phones registered through this instance (`learn`) or loaded from the
// device store (every `refresh_every`, in the background, and at most once a
// second on a miss) wait in a small list beside the snapshot until the
// window turns and the next build folds them in.
//
// Cost (bench/micro/store_scanner_bench.cpp, docs/capacity.md): one HMAC per
// phone per window, off the lock; memory is the phones themselves plus
// 4 x 8 bytes of ids each.
class PhoneBeaconIndex final : public application::PhoneBeaconResolverPort {
 public:
  PhoneBeaconIndex(const application::CustomerDeviceStorePort& devices, std::chrono::seconds rotation_period,
                   std::chrono::seconds refresh_every);
  ~PhoneBeaconIndex() override;
  PhoneBeaconIndex(const PhoneBeaconIndex&) = delete;
  PhoneBeaconIndex& operator=(const PhoneBeaconIndex&) = delete;

  domain::Result<std::vector<application::PhoneBeaconMatch>> resolve(std::uint16_t major, std::uint16_t minor,
                                                                     domain::Timestamp now) override;
  void learn(const application::CustomerDevice& device) override;

  // Waits until a background build in flight (if any) has swapped its
  // snapshot in: for benchmarks and tests that need a settled index.
  void wait_for_background_build();

 private:
  static constexpr std::size_t kWindows = 4;

  struct IdEntry {
    std::uint32_t packed;
    std::uint32_t device;
    bool operator<(const IdEntry& other) const {
      return packed != other.packed ? packed < other.packed : device < other.device;
    }
  };
  using WindowTable = std::vector<IdEntry>;  // sorted by packed id
  using Segment = std::vector<application::CustomerDevice>;

  struct Snapshot {
    std::int64_t first = 0;  // the counter of windows[0]
    std::vector<std::shared_ptr<const Segment>> segments;
    std::vector<std::size_t> segment_starts;  // global index of each segment's first phone
    std::size_t device_count = 0;
    std::array<std::shared_ptr<const WindowTable>, kWindows> windows;

    const application::CustomerDevice& device(std::size_t index) const;
    bool serves(std::int64_t counter) const {
      return counter - 1 >= first && counter + 1 < first + static_cast<std::int64_t>(kWindows);
    }
  };

  // A phone not yet in the snapshot, with its ids for the snapshot's windows.
  struct RecentPhone {
    application::CustomerDevice device;
    std::int64_t first = 0;
    std::array<std::uint32_t, kWindows> ids{};
    bool ids_valid = false;
  };

  std::shared_ptr<const Snapshot> snapshot() const;
  // Builds the snapshot centred on `counter` (windows counter-1..counter+2)
  // from the current one, the recent phones and phones newly in the store,
  // and swaps it in. One build at a time.
  domain::Result<void> build(std::int64_t counter, domain::Timestamp now);
  void build_in_background(std::int64_t counter, domain::Timestamp now);
  bool refresh_due(domain::Timestamp now) const;
  // Loads phones registered elsewhere into the recent list (the snapshot must exist).
  domain::Result<void> refresh_into_recent(domain::Timestamp now);
  // Phones registered since the last load, not learned here already.
  domain::Result<std::vector<application::CustomerDevice>> pull_new_devices();
  static RecentPhone recent_phone(application::CustomerDevice device, std::int64_t first);
  void add_recent_locked(RecentPhone phone);
  std::vector<application::PhoneBeaconMatch> lookup(const Snapshot& snapshot, std::uint32_t packed,
                                                    std::int64_t counter);

  const application::CustomerDeviceStorePort& devices_store_;
  const std::chrono::seconds period_;
  const std::chrono::seconds refresh_every_;

  mutable std::mutex mutex_;  // held only to read or swap the snapshot pointer and the recent list
  std::shared_ptr<const Snapshot> snapshot_;
  std::vector<RecentPhone> recent_;
  domain::Timestamp last_miss_refresh_{};
  domain::Timestamp last_refresh_{};  // the last load from the device store

  std::mutex load_mutex_;  // one device-store load at a time
  std::int64_t loaded_seq_ = 0;
  std::set<std::int64_t> learned_seqs_;  // learned here, not yet passed by loaded_seq_

  std::mutex build_mutex_;  // one build at a time
  std::mutex builder_mutex_;
  std::atomic<bool> building_{false};
  domain::Timestamp last_background_attempt_{};
  std::thread builder_;  // last: joined before the members it uses go
};

}  // namespace tastesync::infrastructure
