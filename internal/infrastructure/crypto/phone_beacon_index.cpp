#include "infrastructure/crypto/phone_beacon_index.h"

#include <algorithm>
#include <utility>

#include "infrastructure/crypto/rotating_beacon_id.h"

namespace tastesync::infrastructure {
namespace {

constexpr std::size_t kLoadBatch = 10000;
constexpr std::chrono::seconds kMissRefresh{1};
// Each build may add a segment of new phones; past this many they are merged
// into one, so finding a phone by its index stays a short search.
constexpr std::size_t kMaxSegments = 16;

// Appends the ids of phones [begin, end) of `devices` (global index from
// `base`) for window `counter`; a phone whose id OpenSSL cannot derive is left out.
template <typename Devices>
void append_ids(const Devices& devices, std::size_t base, std::int64_t counter, auto& table) {
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (const auto id = rotating_beacon_id(devices[i].secret, counter)) {
      table.push_back({id->packed(), static_cast<std::uint32_t>(base + i)});
    }
  }
}

}  // namespace

const application::CustomerDevice& PhoneBeaconIndex::Snapshot::device(std::size_t index) const {
  const auto after = std::upper_bound(segment_starts.begin(), segment_starts.end(), index);
  const auto segment = static_cast<std::size_t>(after - segment_starts.begin()) - 1;
  return (*segments[segment])[index - segment_starts[segment]];
}

PhoneBeaconIndex::PhoneBeaconIndex(const application::CustomerDeviceStorePort& devices,
                                   std::chrono::seconds rotation_period, std::chrono::seconds refresh_every)
    : devices_store_(devices), period_(rotation_period), refresh_every_(refresh_every) {}

PhoneBeaconIndex::~PhoneBeaconIndex() { wait_for_background_build(); }

void PhoneBeaconIndex::wait_for_background_build() {
  std::scoped_lock lock(builder_mutex_);
  if (builder_.joinable()) builder_.join();
}

std::shared_ptr<const PhoneBeaconIndex::Snapshot> PhoneBeaconIndex::snapshot() const {
  std::scoped_lock lock(mutex_);
  return snapshot_;
}

PhoneBeaconIndex::RecentPhone PhoneBeaconIndex::recent_phone(application::CustomerDevice device, std::int64_t first) {
  RecentPhone phone{std::move(device), first, {}, true};
  for (std::size_t w = 0; w < kWindows; ++w) {
    const auto id = rotating_beacon_id(phone.device.secret, first + static_cast<std::int64_t>(w));
    if (!id) {
      phone.ids_valid = false;
      break;
    }
    phone.ids[w] = id->packed();
  }
  return phone;
}

void PhoneBeaconIndex::add_recent_locked(RecentPhone phone) {
  // The snapshot may have moved on while the ids were derived.
  if (snapshot_ && phone.first != snapshot_->first) phone = recent_phone(std::move(phone.device), snapshot_->first);
  recent_.push_back(std::move(phone));
}

domain::Result<std::vector<application::CustomerDevice>> PhoneBeaconIndex::pull_new_devices() {
  std::scoped_lock load_lock(load_mutex_);
  std::int64_t after = 0;
  {
    std::scoped_lock lock(mutex_);
    after = loaded_seq_;
  }
  std::vector<application::CustomerDevice> loaded;
  while (true) {
    auto batch = devices_store_.load_after(after, kLoadBatch);
    if (!batch) return std::unexpected(batch.error());
    for (application::CustomerDevice& device : *batch) {
      after = std::max(after, device.seq);
      loaded.push_back(std::move(device));
    }
    if (batch->size() < kLoadBatch) break;
  }
  std::scoped_lock lock(mutex_);
  loaded_seq_ = after;
  // Phones this instance registered are in the recent list already.
  std::erase_if(loaded, [this](const application::CustomerDevice& d) { return learned_seqs_.erase(d.seq) > 0; });
  learned_seqs_.erase(learned_seqs_.begin(), learned_seqs_.upper_bound(loaded_seq_));
  return loaded;
}

domain::Result<void> PhoneBeaconIndex::build(std::int64_t counter, domain::Timestamp now) {
  std::scoped_lock build_lock(build_mutex_);
  const auto old = snapshot();
  if (old && old->first == counter - 1) {
    // The window has not turned: only the periodic refresh is due. Phones
    // registered elsewhere join the recent list; the tables stay as they are
    // until the window turns.
    if (auto ok = refresh_into_recent(now); !ok) return ok;
    return {};
  }

  auto loaded = pull_new_devices();
  if (!loaded) return std::unexpected(loaded.error());
  std::size_t taken = 0;
  auto added = std::make_shared<Segment>();
  {
    std::scoped_lock lock(mutex_);
    taken = recent_.size();
    added->reserve(taken + loaded->size());
    for (const RecentPhone& phone : recent_) added->push_back(phone.device);
  }
  std::move(loaded->begin(), loaded->end(), std::back_inserter(*added));

  // From here on nothing is locked: lookups go on in the old snapshot.
  auto next = std::make_shared<Snapshot>();
  next->first = counter - 1;
  if (old) {
    next->segments = old->segments;
    next->segment_starts = old->segment_starts;
    next->device_count = old->device_count;
  }
  const std::size_t added_base = next->device_count;
  if (!added->empty()) {
    next->segment_starts.push_back(next->device_count);
    next->device_count += added->size();
    next->segments.push_back(added);
  }
  if (next->segments.size() > kMaxSegments) {
    auto merged = std::make_shared<Segment>();
    merged->reserve(next->device_count);
    for (const auto& segment : next->segments) merged->insert(merged->end(), segment->begin(), segment->end());
    next->segments = {merged};
    next->segment_starts = {0};
  }

  for (std::size_t w = 0; w < kWindows; ++w) {
    const std::int64_t window = next->first + static_cast<std::int64_t>(w);
    auto table = std::make_shared<WindowTable>();
    if (old && window >= old->first && window < old->first + static_cast<std::int64_t>(kWindows)) {
      const auto& kept = old->windows[static_cast<std::size_t>(window - old->first)];
      if (added->empty()) {
        next->windows[w] = kept;
        continue;
      }
      // Kept window: merge the new phones' ids into the sorted table.
      WindowTable fresh;
      append_ids(*added, added_base, window, fresh);
      std::sort(fresh.begin(), fresh.end());
      table->reserve(kept->size() + fresh.size());
      std::merge(kept->begin(), kept->end(), fresh.begin(), fresh.end(), std::back_inserter(*table));
    } else {
      // The new window: one id per phone.
      table->reserve(next->device_count);
      for (std::size_t s = 0; s < next->segments.size(); ++s) {
        append_ids(*next->segments[s], next->segment_starts[s], window, *table);
      }
      std::sort(table->begin(), table->end());
    }
    next->windows[w] = std::move(table);
  }

  std::scoped_lock lock(mutex_);
  snapshot_ = std::move(next);
  last_refresh_ = now;
  // Only builds remove from the list, one at a time: the first `taken` are
  // the ones just folded in; later arrivals stay for the next build.
  recent_.erase(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(taken));
  for (RecentPhone& phone : recent_) {
    if (phone.first != snapshot_->first) phone = recent_phone(std::move(phone.device), snapshot_->first);
  }
  return {};
}

bool PhoneBeaconIndex::refresh_due(domain::Timestamp now) const {
  std::scoped_lock lock(mutex_);
  return now - last_refresh_ >= refresh_every_;
}

domain::Result<void> PhoneBeaconIndex::refresh_into_recent(domain::Timestamp now) {
  std::int64_t first = 0;
  {
    std::scoped_lock lock(mutex_);
    first = snapshot_->first;
  }
  auto loaded = pull_new_devices();
  if (!loaded) return std::unexpected(loaded.error());
  std::vector<RecentPhone> phones;
  phones.reserve(loaded->size());
  for (application::CustomerDevice& device : *loaded) phones.push_back(recent_phone(std::move(device), first));
  std::scoped_lock lock(mutex_);
  for (RecentPhone& phone : phones) add_recent_locked(std::move(phone));
  last_refresh_ = std::max(last_refresh_, now);
  return {};
}

void PhoneBeaconIndex::build_in_background(std::int64_t counter, domain::Timestamp now) {
  std::scoped_lock lock(builder_mutex_);
  // One at a time, and after a failure (database down) not again within a second.
  if (building_ || now - last_background_attempt_ < kMissRefresh) return;
  last_background_attempt_ = now;
  if (builder_.joinable()) builder_.join();  // the previous one has finished
  building_ = true;
  builder_ = std::thread([this, counter, now] {
    // A failed build leaves the old snapshot serving; the next resolve retries.
    (void)build(counter, now);
    building_ = false;
  });
}

void PhoneBeaconIndex::learn(const application::CustomerDevice& device) {
  std::scoped_lock lock(mutex_);
  // Not loaded yet: the first build loads it with everyone else. Already
  // loaded: it is in the snapshot or on its way there.
  if (!snapshot_ || device.seq <= loaded_seq_ || !learned_seqs_.insert(device.seq).second) return;
  add_recent_locked(recent_phone(device, snapshot_->first));
}

std::vector<application::PhoneBeaconMatch> PhoneBeaconIndex::lookup(const Snapshot& snapshot, std::uint32_t packed,
                                                                    std::int64_t counter) {
  std::vector<application::PhoneBeaconMatch> matches;
  for (std::size_t w = 0; w < kWindows; ++w) {
    const std::int64_t window = snapshot.first + static_cast<std::int64_t>(w);
    if (window < counter - 1 || window > counter + 1) continue;
    const WindowTable& table = *snapshot.windows[w];
    const auto first = std::lower_bound(table.begin(), table.end(), IdEntry{packed, 0});
    for (auto it = first; it != table.end() && it->packed == packed; ++it) {
      const application::CustomerDevice& device = snapshot.device(it->device);
      matches.push_back({device.customer_id, device.device_id, window});
    }
  }
  return matches;
}

domain::Result<std::vector<application::PhoneBeaconMatch>> PhoneBeaconIndex::resolve(std::uint16_t major,
                                                                                     std::uint16_t minor,
                                                                                     domain::Timestamp now) {
  const std::int64_t counter = rotation_counter(now, period_);
  const std::uint32_t packed = RotatingBeaconId{major, minor}.packed();
  if (auto current = snapshot(); !current || !current->serves(counter)) {
    // Cold, or idle for more than a window: nothing to answer from yet.
    if (auto ok = build(counter, now); !ok) return std::unexpected(ok.error());
  } else if (current->first != counter - 1 || refresh_due(now)) {
    build_in_background(counter, now);
  }

  auto find = [&] {
    std::shared_ptr<const Snapshot> current;
    std::vector<application::PhoneBeaconMatch> matches;
    {
      // The snapshot and the recent list are read together, so a phone a
      // build moves from one to the other is seen in exactly one.
      std::scoped_lock lock(mutex_);
      current = snapshot_;
      for (const RecentPhone& phone : recent_) {
        if (!phone.ids_valid) continue;
        for (std::size_t w = 0; w < kWindows; ++w) {
          const std::int64_t window = phone.first + static_cast<std::int64_t>(w);
          if (window >= counter - 1 && window <= counter + 1 && phone.ids[w] == packed) {
            matches.push_back({phone.device.customer_id, phone.device.device_id, window});
          }
        }
      }
    }
    auto indexed = lookup(*current, packed, counter);
    matches.insert(matches.begin(), indexed.begin(), indexed.end());
    return matches;
  };
  auto matches = find();
  if (!matches.empty()) return matches;

  // Perhaps a phone registered on another instance a moment ago.
  {
    std::scoped_lock lock(mutex_);
    if (now - last_miss_refresh_ < kMissRefresh || now - last_refresh_ < kMissRefresh) return matches;
    last_miss_refresh_ = now;
  }
  if (auto ok = refresh_into_recent(now); !ok) return std::unexpected(ok.error());
  return find();
}

}  // namespace tastesync::infrastructure
