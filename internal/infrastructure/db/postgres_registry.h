#pragma once

// The stores' floor plans in PostgreSQL, served from memory. `current()` is
// on the hot path and only loads an atomic pointer; a background listener
// (LISTEN registry_changed) rebuilds the snapshot whenever any instance
// changes the registry, so every instance sees a change within about a
// second, and after a database outage it reloads as soon as it reconnects.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

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
  domain::Result<void> register_beacon(const domain::Beacon& beacon) override;
  domain::Result<void> retire_beacon(const domain::BeaconKey& key) override;
  domain::Result<void> write_fingerprints(const domain::StoreFingerprints& fingerprints,
                                          domain::CalibrationMode mode) override;

  // Inserts the plan's stores, zones and beacons that are not there yet
  // (for `make run`'s demo store); existing rows are left as they are.
  // Idempotent.
  domain::Result<void> seed_from(const domain::FloorPlan& plan);

  // Rebuilds the snapshot from the database now.
  domain::Result<void> reload();

 private:
  PostgresRegistry(PgPool& pool, const RegistryOptions& options);
  void listen_loop();
  bool sleep_unless_stopping(std::chrono::milliseconds duration);
  // Runs an admin write and, once committed, reloads this instance's
  // snapshot (the others reload on the NOTIFY sent in the same transaction).
  template <typename Write>
  domain::Result<void> write_and_notify(Write&& write);

  PgPool& pool_;
  RegistryOptions options_;
  std::atomic<domain::FloorPlanPtr> plan_;
  std::mutex reload_mutex_;  // one reload at a time, so an older snapshot never replaces a newer one
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  std::thread listener_;
};

}  // namespace tastesync::infrastructure::db
