// Where the registry's memory goes, per store (docs/capacity.md, "Scale
// data"): heap measured with mallinfo2 after each step of building a floor
// plan of --stores synthetic stores shaped like `make scale`'s (10 zones, 10
// beacons, ids of the same lengths), and the time of each step.
//
//   1. the stores, zones and beacons as the adapter reads them (plain vectors);
//   2. the floor plan built from them (its own copy, indexes, and whatever it
//      builds at load), the vectors of step 1 released;
//   3. every store's zone model asked for once (what a day in which every
//      store sees a customer costs);
//   4. a refresh that reads one store anew (FloorPlan::apply), beside the
//      plan it replaces.
//
//   registry_memory [--stores N]     (default 100,000)

#include <malloc.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities/floor_plan.h"

namespace {

using namespace tastesync::domain;
using SteadyClock = std::chrono::steady_clock;

std::size_t heap_bytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::string store_id(long i) { return "scale-store-" + std::to_string(i); }

// The same shape as bench/scale_data.cpp's load.
void make_stores(long count, std::vector<Store>& stores, std::vector<Beacon>& beacons) {
  stores.reserve(static_cast<std::size_t>(count));
  beacons.reserve(static_cast<std::size_t>(count) * 10);
  for (long i = 0; i < count; ++i) {
    Store store{store_id(i), "Scale store " + std::to_string(i), {}};
    store.location = GeoPoint{47.0 + static_cast<double>(i % 1000) * 0.005, 6.0 + static_cast<double>(i / 1000) * 0.05};
    char uuid[40];
    std::snprintf(uuid, sizeof(uuid), "5ca1ab1e-0000-4000-8000-%012ld", i / 65536);
    const BeaconUuid parsed = *BeaconUuid::parse(uuid);
    for (int z = 0; z < 10; ++z) {
      const std::string zone = z == 0 ? "entrance" : "table-" + std::to_string(z);
      store.zones.push_back(Zone{zone, store.id, z == 0 ? ZoneKind::kEntrance : ZoneKind::kTable,
                                 z == 0 ? "Entrance" : "Table " + std::to_string(z)});
      beacons.push_back(
          Beacon{BeaconKey{parsed, static_cast<std::uint16_t>(i % 65536), static_cast<std::uint16_t>(z + 1)}, store.id,
                 zone, -59, 0.0});
    }
    stores.push_back(std::move(store));
  }
}

}  // namespace

int main(int argc, char** argv) {
  long count = 100000;
  if (argc == 3 && std::string_view(argv[1]) == "--stores") {
    const std::string_view value = argv[2];
    if (std::from_chars(value.data(), value.data() + value.size(), count).ec != std::errc{} || count < 1) return 2;
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: registry_memory [--stores N]\n");
    return 2;
  }
  const auto per_store = [count](std::size_t bytes) { return static_cast<double>(bytes) / static_cast<double>(count); };
  const auto mb = [](std::size_t bytes) { return static_cast<double>(bytes) / 1e6; };

  const std::size_t base = heap_bytes();
  std::vector<Store> stores;
  std::vector<Beacon> beacons;
  make_stores(count, stores, beacons);
  const std::size_t raw = heap_bytes() - base;
  std::printf("registry_memory: %ld stores x 10 zones, %ld beacons\n", count, count * 10);
  std::printf("  plain vectors (as read):          %8.0f B/store  %7.1f MB\n", per_store(raw), mb(raw));

  auto started = SteadyClock::now();
  auto plan = FloorPlan::build(std::move(stores), std::move(beacons), {}, {}, {});
  if (!plan) {
    std::fprintf(stderr, "registry_memory: %s\n", plan.error().message.c_str());
    return 1;
  }
  stores = {};
  beacons = {};
  const double build_seconds = seconds_since(started);
  const std::size_t built = heap_bytes() - base;
  std::printf("  floor plan after build:           %8.0f B/store  %7.1f MB  (%.2f s)\n", per_store(built), mb(built),
              build_seconds);

  started = SteadyClock::now();
  std::size_t models = 0;
  for (long i = 0; i < count; ++i) models += plan->find_zone_model(store_id(i)) != nullptr ? 1 : 0;
  const double model_seconds = seconds_since(started);
  const std::size_t all_models = heap_bytes() - base;
  std::printf("  + every store's zone model:       %8.0f B/store  %7.1f MB  (%zu models, %.2f s)\n",
              per_store(all_models - built), mb(all_models - built), models, model_seconds);
  std::printf("  plan with every model:            %8.0f B/store  %7.1f MB\n", per_store(all_models), mb(all_models));

  // A refresh that read one store anew: the new plan shares the other
  // blocks, so what it adds is its indexes and the one store.
  const std::size_t before_refresh = heap_bytes();
  started = SteadyClock::now();
  FloorPlan::Change change;
  change.remove(store_id(0));
  std::vector<Store> one;
  std::vector<Beacon> one_beacons;
  make_stores(1, one, one_beacons);
  if (auto added = change.add(std::move(one), std::move(one_beacons)); !added) return 1;
  auto next = FloorPlan::apply(&*plan, std::move(change));
  if (!next) {
    std::fprintf(stderr, "registry_memory: %s\n", next.error().message.c_str());
    return 1;
  }
  const double refresh_seconds = seconds_since(started);
  std::printf("  refresh of one store, beside the old plan: %7.1f MB  (%.3f s)\n",
              (static_cast<double>(heap_bytes()) - static_cast<double>(before_refresh)) / 1e6, refresh_seconds);
  return 0;
}
