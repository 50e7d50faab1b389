#pragma once

// The stores' floor plans in PostgreSQL, served from memory. `current()` is
// on the hot path and only loads an atomic pointer; a background listener
// (LISTEN registry_changed) refreshes the snapshot whenever any instance
// changes the registry, so every instance sees a change within about a
// second, and after a database outage it refreshes as soon as it reconnects.
// A refresh is incremental: every store has a version (migration 0012, bumped
// by triggers on any change to the store, its zones, beacons or calibration);
// only the stores whose version changed, appeared or disappeared are read
// and rebuilt, the others are shared with the previous snapshot.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "application/ports/beacon_registry_port.h"
#include "application/ports/registry_admin_port.h"
#include "domain/entities/floor_plan.h"
#include "infrastructure/db/pg_pool.h"

namespace tastesync::infrastructure::db {

struct RegistryOptions {
  // Reconnect backoff of the listener while the database is down.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // A full reload even without notifications: a safety net should one be
  // lost (NOTIFY is not delivered to a listener that was disconnected).
  std::chrono::seconds periodic_reload{60};
  // What every store's zone filter model is built with (config zone_filter).
  domain::ZoneModelSettings zone_filter{};
  // Stores read per query while refreshing (bounds the rows held at once).
  std::size_t load_chunk_stores = 5000;
  // Connections a refresh that reads more than one chunk (a cold start) uses
  // at once, all on one snapshot of the database: PostgreSQL produces one
  // chunk's rows while this process parses another's. 0: one per core,
  // leaving one of the pool's connections to requests.
  std::size_t load_connections = 0;
};

class PostgresRegistry final : public application::BeaconRegistryPort, public application::RegistryAdminPort {
 public:
  // Loads the snapshot (kUnavailable when the database is down) and starts
  // the listener. `pool` must outlive the registry.
  static domain::Result<std::unique_ptr<PostgresRegistry>> create(PgPool& pool, const RegistryOptions& options = {});
  ~PostgresRegistry() override;
  PostgresRegistry(const PostgresRegistry&) = delete;
  PostgresRegistry& operator=(const PostgresRegistry&) = delete;

  domain::FloorPlanPtr current() const override;

  domain::Result<void> create_store(const domain::Store& store) override;
  domain::Result<void> add_zone(const domain::Zone& zone) override;
  domain::Result<void> update_zone(const application::ZoneChange& change) override;
  domain::Result<void> register_beacon(const domain::Beacon& beacon) override;
  domain::Result<void> retire_beacon(const domain::BeaconKey& key) override;
  domain::Result<void> write_fingerprints(const domain::StoreFingerprints& fingerprints,
                                          domain::CalibrationMode mode) override;

  // Inserts the plan's stores, zones and beacons that are not there yet
  // (for `make run`'s demo store); existing rows are left as they are.
  // Idempotent.
  domain::Result<void> seed_from(const domain::FloorPlan& plan);

  // Brings the snapshot up to date with the database now: reads the stores
  // that are new or whose version changed (all of them the first time) and
  // drops the ones that are gone; the snapshot is replaced only when
  // something changed. Returns how many stores were read.
  domain::Result<std::size_t> reload();
  // How many stores every refresh so far has read, the listener's included.
  std::size_t stores_read() const { return stores_read_.load(); }

 private:
  PostgresRegistry(PgPool& pool, const RegistryOptions& options);
  void listen_loop();
  // Connections beside the refresh's own that a load of several chunks uses.
  std::size_t extra_load_connections() const;
  bool sleep_unless_stopping(std::chrono::milliseconds duration);
  // Runs an admin write and, once committed, reloads this instance's
  // snapshot (the others reload on the NOTIFY sent in the same transaction).
  template <typename Write>
  domain::Result<void> write_and_notify(Write&& write);

  PgPool& pool_;
  RegistryOptions options_;
  std::atomic<domain::FloorPlanPtr> plan_;
  std::mutex reload_mutex_;  // one reload at a time, so an older snapshot never replaces a newer one
  // Each store's registry_version as the snapshot has it (under
  // reload_mutex_), looked up by the rows' text without copying it.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
  };
  std::unordered_map<std::string, std::int64_t, IdHash, std::equal_to<>> versions_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> stores_read_{0};
  std::thread listener_;
};

}  // namespace tastesync::infrastructure::db
