#include "domain/entities/floor_plan.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <limits>
#include <mutex>
#include <unordered_map>

namespace tastesync::domain {

// One store's part of a plan. Immutable once added, except for the zone
// model built on first use (once, under the flag).
struct FloorPlan::StoreBlock {
  Store store;
  std::vector<Beacon> beacons;
  std::unique_ptr<const StoreFingerprints> calibration;  // null: not calibrated
  std::unique_ptr<const FingerprintClassifier> classifier;
  std::shared_ptr<const ZoneModelSettings> zone_settings;
  mutable std::once_flag model_once;
  mutable std::unique_ptr<const ZoneModel> model;  // null until built, and for a store without zones
  mutable std::atomic<bool> model_built{false};    // set once `model` is final
};

namespace {

bool key_less(const BeaconKey& a, const BeaconKey& b) {
  if (const int c = std::memcmp(a.uuid.bytes().data(), b.uuid.bytes().data(), a.uuid.bytes().size()); c != 0) {
    return c < 0;
  }
  if (a.major != b.major) return a.major < b.major;
  return a.minor < b.minor;
}

const Zone* zone_of(const Store& store, std::string_view zone_id) {
  const auto it =
      std::find_if(store.zones.begin(), store.zones.end(), [zone_id](const Zone& zone) { return zone.id == zone_id; });
  return it == store.zones.end() ? nullptr : &*it;
}

}  // namespace

FloorPlan::Change::Change(FingerprintSettings fingerprint_settings, const ZoneModelSettings& zone_settings)
    : fingerprint_settings_(fingerprint_settings),
      zone_settings_(std::make_shared<const ZoneModelSettings>(zone_settings)) {}

void FloorPlan::Change::remove(std::string store_id) { removed_.push_back(std::move(store_id)); }

void FloorPlan::Change::absorb(Change other) {
  removed_.insert(removed_.end(), std::make_move_iterator(other.removed_.begin()),
                  std::make_move_iterator(other.removed_.end()));
  added_.insert(added_.end(), std::make_move_iterator(other.added_.begin()),
                std::make_move_iterator(other.added_.end()));
}

Result<void> FloorPlan::Change::add(std::vector<Store> stores, std::vector<Beacon> beacons,
                                    const std::vector<StoreFingerprints>& fingerprints) {
  std::vector<std::unique_ptr<StoreBlock>> blocks;
  blocks.reserve(stores.size());
  std::unordered_map<std::string_view, std::size_t> block_of;
  block_of.reserve(stores.size());
  for (Store& store : stores) {
    if (store.id.empty()) return fail(ErrorCode::kInvalidArgument, "a store has an empty id", "store.id");
    for (std::size_t i = 0; i < store.zones.size(); ++i) {
      Zone& zone = store.zones[i];
      if (zone.id.empty()) {
        return fail(ErrorCode::kInvalidArgument, "a zone of store '" + store.id + "' has an empty id", "zone.id");
      }
      zone.store_id = store.id;
      if (zone_of(store, zone.id) != &zone) {
        return fail(ErrorCode::kAlreadyExists, "zone '" + zone.id + "' is defined twice in store '" + store.id + "'",
                    "zone.id");
      }
    }
    auto block = std::make_unique<StoreBlock>();
    block->store = std::move(store);
    block->zone_settings = zone_settings_;
    if (!block_of.emplace(block->store.id, blocks.size()).second) {
      return fail(ErrorCode::kAlreadyExists, "store '" + block->store.id + "' is defined twice", "store.id");
    }
    blocks.push_back(std::move(block));
  }
  for (Beacon& beacon : beacons) {
    const auto at = block_of.find(beacon.store_id);
    if (at == block_of.end() || zone_of(blocks[at->second]->store, beacon.zone_id) == nullptr) {
      return fail(ErrorCode::kNotFound,
                  "beacon " + beacon.key.to_string() + " points at zone '" + beacon.zone_id + "' which store '" +
                      beacon.store_id + "' does not have",
                  "beacon.zone_id");
    }
    blocks[at->second]->beacons.push_back(std::move(beacon));
  }
  for (const StoreFingerprints& calibration : fingerprints) {
    const auto at = block_of.find(calibration.store_id);
    if (at == block_of.end()) continue;  // no such store here: nothing to calibrate
    StoreBlock& block = *blocks[at->second];
    if (block.calibration != nullptr) continue;  // the first one counts, as before
    block.calibration = std::make_unique<const StoreFingerprints>(calibration);
    StoreFingerprints usable{calibration.store_id, {}};
    for (const FingerprintSample& sample : calibration.samples) {
      if (zone_of(block.store, sample.zone_id) != nullptr) usable.samples.push_back(sample);
    }
    auto classifier = FingerprintClassifier::build(
        usable,
        [&block](const BeaconKey& key) -> const Beacon* {
          const auto it = std::find_if(block.beacons.begin(), block.beacons.end(),
                                       [&key](const Beacon& beacon) { return beacon.key == key; });
          return it == block.beacons.end() ? nullptr : &*it;
        },
        fingerprint_settings_);
    if (classifier) block.classifier = std::make_unique<const FingerprintClassifier>(std::move(*classifier));
  }
  for (auto& block : blocks) added_.push_back(std::move(block));
  return {};
}

Result<FloorPlan> FloorPlan::build(std::vector<Store> stores, std::vector<Beacon> beacons) {
  return build(std::move(stores), std::move(beacons), {});
}

Result<FloorPlan> FloorPlan::build(std::vector<Store> stores, std::vector<Beacon> beacons,
                                   const std::vector<StoreFingerprints>& fingerprints, FingerprintSettings settings,
                                   const ZoneModelSettings& zone_settings) {
  Change change(settings, zone_settings);
  if (auto added = change.add(std::move(stores), std::move(beacons), fingerprints); !added) {
    return std::unexpected(added.error());
  }
  return apply(nullptr, std::move(change));
}

Result<FloorPlan> FloorPlan::apply(const FloorPlan* base, Change change) {
  FloorPlan plan;
  plan.zone_settings_ = change.zone_settings_;
  std::sort(change.removed_.begin(), change.removed_.end());
  // The base's blocks that stay, in their order, and where each went.
  constexpr std::uint32_t kDropped = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> moved_to;
  if (base != nullptr) {
    plan.blocks_.reserve(base->blocks_.size() + change.added_.size());
    moved_to.assign(base->blocks_.size(), kDropped);
    for (std::size_t i = 0; i < base->blocks_.size(); ++i) {
      if (!std::binary_search(change.removed_.begin(), change.removed_.end(), base->blocks_[i]->store.id)) {
        moved_to[i] = static_cast<std::uint32_t>(plan.blocks_.size());
        plan.blocks_.push_back(base->blocks_[i]);
      }
    }
  }
  const std::size_t first_added = plan.blocks_.size();
  for (auto& block : change.added_) plan.blocks_.push_back(std::move(block));

  // Both indexes: the base's entries of the blocks that stay (sorted
  // already, renumbered) merged with the added blocks' (sorted here), so a
  // change to one store costs a pass over the plan, not a sort of it.
  const auto kept = [&](std::uint32_t block) { return moved_to[block] != kDropped; };
  if (base != nullptr) {
    plan.store_index_.reserve(plan.blocks_.size());
    for (const auto& [id, block] : base->store_index_) {
      if (kept(block)) plan.store_index_.emplace_back(id, moved_to[block]);
    }
  }
  const auto stores_kept = static_cast<std::ptrdiff_t>(plan.store_index_.size());
  for (std::size_t i = first_added; i < plan.blocks_.size(); ++i) {
    plan.store_index_.emplace_back(plan.blocks_[i]->store.id, static_cast<std::uint32_t>(i));
  }
  std::sort(plan.store_index_.begin() + stores_kept, plan.store_index_.end());
  std::inplace_merge(plan.store_index_.begin(), plan.store_index_.begin() + stores_kept, plan.store_index_.end());
  const auto twice_store = std::adjacent_find(plan.store_index_.begin(), plan.store_index_.end(),
                                              [](const auto& a, const auto& b) { return a.first == b.first; });
  if (twice_store != plan.store_index_.end()) {
    return fail(ErrorCode::kAlreadyExists, "store '" + std::string(twice_store->first) + "' is defined twice",
                "store.id");
  }

  const auto by_key = [](const BeaconSlot& a, const BeaconSlot& b) { return key_less(a.key, b.key); };
  if (base != nullptr) {
    plan.beacon_index_.reserve(base->beacon_index_.size());
    for (const BeaconSlot& slot : base->beacon_index_) {
      if (kept(slot.block)) plan.beacon_index_.push_back(BeaconSlot{slot.key, moved_to[slot.block], slot.beacon});
    }
  }
  const auto beacons_kept = static_cast<std::ptrdiff_t>(plan.beacon_index_.size());
  for (std::size_t i = first_added; i < plan.blocks_.size(); ++i) {
    const auto& block_beacons = plan.blocks_[i]->beacons;
    for (std::size_t b = 0; b < block_beacons.size(); ++b) {
      plan.beacon_index_.push_back(
          BeaconSlot{block_beacons[b].key, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(b)});
    }
  }
  std::sort(plan.beacon_index_.begin() + beacons_kept, plan.beacon_index_.end(), by_key);
  std::inplace_merge(plan.beacon_index_.begin(), plan.beacon_index_.begin() + beacons_kept, plan.beacon_index_.end(),
                     by_key);
  const auto twice_beacon = std::adjacent_find(plan.beacon_index_.begin(), plan.beacon_index_.end(),
                                               [](const BeaconSlot& a, const BeaconSlot& b) { return a.key == b.key; });
  if (twice_beacon != plan.beacon_index_.end()) {
    return fail(ErrorCode::kAlreadyExists, "beacon " + twice_beacon->key.to_string() + " is registered twice",
                "beacon");
  }
  return plan;
}

const FloorPlan::StoreBlock* FloorPlan::find_block(std::string_view store_id) const {
  const auto it = std::lower_bound(
      store_index_.begin(), store_index_.end(), store_id,
      [](const std::pair<std::string_view, std::uint32_t>& entry, std::string_view id) { return entry.first < id; });
  return it == store_index_.end() || it->first != store_id ? nullptr : blocks_[it->second].get();
}

const Beacon* FloorPlan::find_beacon(const BeaconKey& key) const {
  const auto it = std::lower_bound(beacon_index_.begin(), beacon_index_.end(), key,
                                   [](const BeaconSlot& slot, const BeaconKey& k) { return key_less(slot.key, k); });
  if (it == beacon_index_.end() || !(it->key == key)) return nullptr;
  return &blocks_[it->block]->beacons[it->beacon];
}

const Zone* FloorPlan::find_zone(const std::string& store_id, const std::string& zone_id) const {
  const StoreBlock* block = find_block(store_id);
  return block == nullptr ? nullptr : zone_of(block->store, zone_id);
}

const Store* FloorPlan::find_store(const std::string& store_id) const {
  const StoreBlock* block = find_block(store_id);
  return block == nullptr ? nullptr : &block->store;
}

std::span<const Beacon> FloorPlan::store_beacons(const std::string& store_id) const {
  const StoreBlock* block = find_block(store_id);
  return block == nullptr ? std::span<const Beacon>() : std::span<const Beacon>(block->beacons);
}

const FingerprintClassifier* FloorPlan::find_fingerprints(const std::string& store_id) const {
  const StoreBlock* block = find_block(store_id);
  return block == nullptr ? nullptr : block->classifier.get();
}

const StoreFingerprints* FloorPlan::store_fingerprints(const std::string& store_id) const {
  const StoreBlock* block = find_block(store_id);
  return block == nullptr ? nullptr : block->calibration.get();
}

const ZoneModel* FloorPlan::find_zone_model(const std::string& store_id) const {
  const StoreBlock* block = find_block(store_id);
  if (block == nullptr) return nullptr;
  std::call_once(block->model_once, [block] {
    std::vector<const Beacon*> beacons;
    beacons.reserve(block->beacons.size());
    for (const Beacon& beacon : block->beacons) beacons.push_back(&beacon);
    auto model = ZoneModel::build(block->store, beacons, block->calibration.get(), *block->zone_settings);
    // A store without zones has nowhere to place anyone: no model.
    if (model) block->model = std::make_unique<const ZoneModel>(std::move(*model));
    block->model_built.store(true, std::memory_order_release);
  });
  return block->model.get();
}

bool FloorPlan::zone_model_built(const std::string& store_id) const {
  const StoreBlock* block = find_block(store_id);
  return block == nullptr || block->model_built.load(std::memory_order_acquire);
}

std::vector<Store> FloorPlan::stores() const {
  std::vector<Store> stores;
  stores.reserve(blocks_.size());
  for (const auto& block : blocks_) stores.push_back(block->store);
  return stores;
}

std::vector<Beacon> FloorPlan::beacons() const {
  std::vector<Beacon> beacons;
  beacons.reserve(beacon_index_.size());
  for (const auto& block : blocks_) beacons.insert(beacons.end(), block->beacons.begin(), block->beacons.end());
  return beacons;
}

std::vector<StoreFingerprints> FloorPlan::fingerprints() const {
  std::vector<StoreFingerprints> all;
  for (const auto& block : blocks_) {
    if (block->calibration != nullptr) all.push_back(*block->calibration);
  }
  return all;
}

}  // namespace tastesync::domain
