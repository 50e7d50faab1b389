#include "infrastructure/db/postgres_registry.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "infrastructure/db/pg_values.h"

namespace tastesync::infrastructure::db {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxNameBytes = 200;
constexpr int kMinTxPower = -127;
constexpr int kMaxTxPower = 20;
constexpr double kMaxCalibrationDb = 60.0;

domain::Result<void> check_zone(const domain::Zone& zone) {
  if (auto ok = check_text(zone.id, kMaxIdBytes, true, "zone.id"); !ok) return ok;
  if (auto ok = check_text(zone.store_id, kMaxIdBytes, true, "zone.store_id"); !ok) return ok;
  return check_text(zone.label, kMaxNameBytes, false, "zone.label");
}

domain::Result<void> check_beacon(const domain::Beacon& beacon) {
  if (auto ok = check_text(beacon.store_id, kMaxIdBytes, true, "beacon.store_id"); !ok) return ok;
  if (auto ok = check_text(beacon.zone_id, kMaxIdBytes, true, "beacon.zone_id"); !ok) return ok;
  if (beacon.tx_power_1m < kMinTxPower || beacon.tx_power_1m > kMaxTxPower) {
    return fail(ErrorCode::kInvalidArgument,
                "beacon.tx_power_1m must be within " + std::to_string(kMinTxPower) + ".." +
                    std::to_string(kMaxTxPower) + " dBm",
                "beacon.tx_power_1m");
  }
  if (!std::isfinite(beacon.calibration_offset_db) || std::abs(beacon.calibration_offset_db) > kMaxCalibrationDb) {
    return fail(ErrorCode::kInvalidArgument, "beacon.calibration_offset_db must be a finite number within ±60 dB",
                "beacon.calibration_offset_db");
  }
  return {};
}

bool store_exists(pqxx::work& tx, const std::string& store_id) {
  // FOR KEY SHARE: the store cannot vanish before this transaction commits.
  return !tx.exec_params("SELECT 1 FROM stores WHERE store_id = $1 FOR KEY SHARE", store_id).empty();
}

// The layout's four columns: all NULL when the zone has none.
std::optional<double> layout_part(const domain::Zone& zone, double domain::ZoneLayout::*part) {
  if (!zone.layout) return std::nullopt;
  return (*zone.layout).*part;
}

// The position's two columns: both NULL when the zone has none.
std::optional<double> position_part(const domain::Zone& zone, double domain::FloorPosition::*part) {
  if (!zone.position) return std::nullopt;
  return (*zone.position).*part;
}

#define ZONE_INSERT_SQL                                                                                  \
  "INSERT INTO zones (store_id, zone_id, kind, label, layout_x, layout_y, layout_width, layout_height, " \
  "position_x, position_y) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "

pqxx::result write_zone(pqxx::work& tx, const domain::Zone& zone, const char* on_conflict) {
  return tx.exec_params(
      std::string(ZONE_INSERT_SQL) + on_conflict, zone.store_id, zone.id, zone_kind_to_sql(zone.kind), zone.label,
      layout_part(zone, &domain::ZoneLayout::x), layout_part(zone, &domain::ZoneLayout::y),
      layout_part(zone, &domain::ZoneLayout::width), layout_part(zone, &domain::ZoneLayout::height),
      position_part(zone, &domain::FloorPosition::x_m), position_part(zone, &domain::FloorPosition::y_m));
}

domain::Result<void> insert_zone(pqxx::work& tx, const domain::Zone& zone) {
  const auto inserted = write_zone(tx, zone, "ON CONFLICT (store_id, zone_id) DO NOTHING RETURNING 1");
  if (inserted.empty()) {
    return fail(ErrorCode::kAlreadyExists, "store '" + zone.store_id + "' already has a zone '" + zone.id + "'",
                "zone.id");
  }
  return {};
}

// kNotFound unless `zone_id` is a zone of `store_id`; says so when it is a
// zone of another store, the mistake an admin is most likely to make.
domain::Result<void> check_zone_of_store(pqxx::work& tx, const std::string& store_id, const std::string& zone_id) {
  if (!tx.exec_params("SELECT 1 FROM zones WHERE store_id = $1 AND zone_id = $2 FOR KEY SHARE", store_id, zone_id)
           .empty()) {
    return {};
  }
  const bool elsewhere = !tx.exec_params("SELECT 1 FROM zones WHERE zone_id = $1 LIMIT 1", zone_id).empty();
  return fail(ErrorCode::kNotFound,
              "store '" + store_id + "' has no zone '" + zone_id + "'" +
                  (elsewhere ? " (a zone of that id belongs to another store)" : ""),
              "beacon.zone_id");
}

pqxx::result insert_beacon_if_absent(pqxx::work& tx, const domain::Beacon& beacon) {
  return tx.exec_params(
      "INSERT INTO beacons (uuid, major, minor, store_id, zone_id, tx_power, calibration_offset_db) "
      "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (uuid, major, minor) WHERE retired_at IS NULL DO NOTHING RETURNING beacon_id",
      beacon.key.uuid.to_string(), static_cast<int>(beacon.key.major), static_cast<int>(beacon.key.minor),
      beacon.store_id, beacon.zone_id, beacon.tx_power_1m, beacon.calibration_offset_db);
}

// The calibration of the stores in `ids` (a text[] literal), samples in the
// order they were imported.
domain::Result<std::vector<domain::StoreFingerprints>> load_fingerprints(pqxx::transaction_base& tx,
                                                                         const std::string& ids) {
  std::vector<domain::StoreFingerprints> stores;
  int last_sample = -1;
  for (const auto& row : tx.exec_params("SELECT store_id, sample_no, zone_id, uuid::text, major, minor, rssi "
                                        "FROM fingerprint_readings WHERE store_id = ANY($1::text[]) "
                                        "ORDER BY store_id COLLATE \"C\", sample_no",
                                        ids)) {
    const auto store_id = row[0].as<std::string>();
    const int sample_no = row[1].as<int>();
    if (stores.empty() || stores.back().store_id != store_id) {
      stores.push_back(domain::StoreFingerprints{store_id, {}});
      last_sample = -1;
    }
    auto& samples = stores.back().samples;
    if (sample_no != last_sample) {
      samples.push_back(domain::FingerprintSample{row[2].as<std::string>(), {}});
      last_sample = sample_no;
    }
    auto uuid = domain::BeaconUuid::parse(row[3].as<std::string>());
    if (!uuid) return std::unexpected(uuid.error());
    samples.back().readings.push_back(
        domain::FingerprintReading{domain::BeaconKey{*uuid, static_cast<std::uint16_t>(row[4].as<int>()),
                                                     static_cast<std::uint16_t>(row[5].as<int>())},
                                   row[6].as<int>()});
  }
  return stores;
}

using SnapshotTransaction =
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only>;

// Reads the stores in `ids` (a text[] literal) whole, zones, beacons and
// calibration, into `change`.
domain::Result<void> load_stores(pqxx::transaction_base& tx, const std::string& ids,
                                 domain::FloorPlan::Change& change) {
  std::vector<domain::Store> stores;
  std::unordered_map<std::string, std::size_t> store_at;
  for (const auto& row : tx.exec_params("SELECT store_id, name, latitude, longitude FROM stores "
                                        "WHERE store_id = ANY($1::text[]) ORDER BY store_id COLLATE \"C\"",
                                        ids)) {
    store_at.emplace(row[0].as<std::string>(), stores.size());
    stores.push_back(domain::Store{row[0].as<std::string>(), row[1].as<std::string>(), {}});
    if (!row[2].is_null() && !row[3].is_null()) {
      stores.back().location = domain::GeoPoint{row[2].as<double>(), row[3].as<double>()};
    }
  }
  for (const auto& row : tx.exec_params(
           "SELECT store_id, zone_id, kind, label, layout_x, layout_y, layout_width, layout_height, position_x, "
           "position_y FROM zones WHERE store_id = ANY($1::text[]) ORDER BY store_id COLLATE \"C\", created_at, "
           "zone_id",
           ids)) {
    const auto it = store_at.find(row[0].as<std::string>());
    if (it == store_at.end()) continue;  // the foreign key makes this impossible
    stores[it->second].zones.push_back(domain::Zone{row[1].as<std::string>(), row[0].as<std::string>(),
                                                    zone_kind_from_sql(row[2].as<std::string>()),
                                                    row[3].as<std::string>()});
    if (!row[4].is_null()) {
      stores[it->second].zones.back().layout =
          domain::ZoneLayout{row[4].as<double>(), row[5].as<double>(), row[6].as<double>(), row[7].as<double>()};
    }
    if (!row[8].is_null()) {
      stores[it->second].zones.back().position = domain::FloorPosition{row[8].as<double>(), row[9].as<double>()};
    }
  }
  std::vector<domain::Beacon> beacons;
  for (const auto& row :
       tx.exec_params("SELECT uuid::text, major, minor, store_id, zone_id, tx_power, calibration_offset_db "
                      "FROM beacons WHERE retired_at IS NULL AND store_id = ANY($1::text[]) ORDER BY beacon_id",
                      ids)) {
    auto uuid = domain::BeaconUuid::parse(row[0].as<std::string>());
    if (!uuid) return std::unexpected(uuid.error());
    domain::Beacon beacon;
    beacon.key = domain::BeaconKey{*uuid, static_cast<std::uint16_t>(row[1].as<int>()),
                                   static_cast<std::uint16_t>(row[2].as<int>())};
    beacon.store_id = row[3].as<std::string>();
    beacon.zone_id = row[4].as<std::string>();
    beacon.tx_power_1m = row[5].as<int>();
    beacon.calibration_offset_db = row[6].as<double>();
    beacons.push_back(std::move(beacon));
  }
  auto fingerprints = load_fingerprints(tx, ids);
  if (!fingerprints) return std::unexpected(fingerprints.error());
  return change.add(std::move(stores), std::move(beacons), *fingerprints);
}

// The stores of `changed` (sorted), in chunks of `chunk`, read into
// `change`: on `tx`, and on up to `extra` more connections of `pool` that
// import `tx`'s snapshot, so every chunk sees the database exactly as `tx`
// does. Chunks are handed out one at a time. A helper that gets no connection
// or snapshot reads none (the others read them all); one that fails after
// taking a chunk fails the whole load, as a failure on `tx` does.
domain::Result<void> load_chunks(PgPool& pool, pqxx::transaction_base& tx,
                                 const std::vector<std::pair<std::string, std::int64_t>>& changed, std::size_t chunk,
                                 std::size_t extra, const std::atomic<bool>& stopping,
                                 domain::FloorPlan::Change& change, const domain::ZoneModelSettings& zone_settings) {
  const std::size_t chunks = (changed.size() + chunk - 1) / chunk;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> give_up{false};  // a reader failed: the others stop too
  const auto read_chunks = [&](pqxx::transaction_base& on, domain::FloorPlan::Change& into,
                               bool& took_a_chunk) -> domain::Result<void> {
    std::vector<std::string> ids;
    for (std::size_t taken = next++; taken < chunks; taken = next++) {
      took_a_chunk = true;
      if (stopping || give_up) return fail(ErrorCode::kUnavailable, "the registry is stopping");
      ids.clear();
      for (std::size_t i = taken * chunk; i < std::min((taken + 1) * chunk, changed.size()); ++i) {
        ids.push_back(changed[i].first);
        into.remove(changed[i].first);
      }
      if (auto loaded = load_stores(on, sql_text_array(ids), into); !loaded) {
        give_up = true;
        return fail(ErrorCode::kInternal, "the registry in PostgreSQL is inconsistent: " + loaded.error().message);
      }
    }
    return {};
  };
  extra = chunks == 0 ? 0 : std::min(extra, chunks - 1);
  std::string snapshot;
  if (extra > 0) snapshot = tx.exec("SELECT pg_export_snapshot()")[0][0].as<std::string>();
  struct Helper {
    domain::FloorPlan::Change change;
    bool took_a_chunk = false;
    domain::Result<void> result;
    std::thread thread;
  };
  std::vector<Helper> helpers(extra);
  const auto join_helpers = [&] {
    for (Helper& helper : helpers) {
      if (helper.thread.joinable()) helper.thread.join();
    }
  };
  // Everything that may throw before the threads start: none is left running
  // while an exception unwinds this frame.
  for (Helper& helper : helpers) helper.change = domain::FloorPlan::Change({}, zone_settings);
  for (Helper& helper : helpers) {
    try {
      helper.thread = std::thread([&] {
        helper.result = pool.run([&](pqxx::connection& connection) -> domain::Result<void> {
          SnapshotTransaction imported(connection);
          imported.exec("SET TRANSACTION SNAPSHOT " + imported.quote(snapshot));
          auto read = read_chunks(imported, helper.change, helper.took_a_chunk);
          if (read) imported.commit();
          return read;
        });
        if (!helper.result && helper.took_a_chunk) give_up = true;
      });
    } catch (const std::system_error&) {
      // No thread: the others read its share.
    }
  }
  domain::Result<void> outcome;
  bool own_chunk = false;
  try {
    outcome = read_chunks(tx, change, own_chunk);
  } catch (...) {
    give_up = true;  // the helpers stop at their next chunk; then the error goes up
    join_helpers();
    throw;
  }
  join_helpers();
  for (Helper& helper : helpers) {
    if (outcome && !helper.result && helper.took_a_chunk) outcome = std::unexpected(helper.result.error());
    change.absorb(std::move(helper.change));
  }
  return outcome;
}

// Delivered by await_notification on the listener's connection.
class ChangeReceiver final : public pqxx::notification_receiver {
 public:
  ChangeReceiver(pqxx::connection& connection, bool& changed)
      : pqxx::notification_receiver(connection, "registry_changed"), changed_(changed) {}
  void operator()(const std::string&, int) override { changed_ = true; }

 private:
  bool& changed_;
};

}  // namespace

PostgresRegistry::PostgresRegistry(PgPool& pool, const RegistryOptions& options) : pool_(pool), options_(options) {}

domain::Result<std::unique_ptr<PostgresRegistry>> PostgresRegistry::create(PgPool& pool,
                                                                           const RegistryOptions& options) {
  std::unique_ptr<PostgresRegistry> registry(new PostgresRegistry(pool, options));
  if (auto loaded = registry->reload(); !loaded) return std::unexpected(loaded.error());
  try {
    registry->listener_ = std::thread([raw = registry.get()] { raw->listen_loop(); });
  } catch (const std::system_error& e) {
    return fail(ErrorCode::kInternal, std::string("cannot start the registry listener thread: ") + e.what());
  }
  return registry;
}

PostgresRegistry::~PostgresRegistry() {
  {
    std::scoped_lock lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (listener_.joinable()) listener_.join();
}

domain::FloorPlanPtr PostgresRegistry::current() const { return plan_.load(); }

std::size_t PostgresRegistry::extra_load_connections() const {
  std::size_t wanted = options_.load_connections;
  if (wanted == 0) {
    // One per core, but never the pool's last connection: a refresh while
    // serving must leave requests a way in.
    wanted = std::max<std::size_t>(1, std::thread::hardware_concurrency());
    wanted = std::min(wanted, std::max<std::size_t>(1, pool_.size() - 1));
  }
  return wanted - 1;
}

domain::Result<std::size_t> PostgresRegistry::reload() {
  std::scoped_lock lock(reload_mutex_);
  const domain::FloorPlanPtr base = plan_.load();
  // What differs from versions_, applied to it once the new plan is in.
  std::vector<std::pair<std::string, std::int64_t>> changed;
  std::vector<std::string> removed;
  std::size_t stores_read = 0;
  auto plan = pool_.run([&](pqxx::connection& connection) -> domain::Result<std::optional<domain::FloorPlan>> {
    // One snapshot for the versions and every store read after them, so a
    // concurrent write is seen whole or not at all, and the versions kept
    // are those of what was read.
    SnapshotTransaction tx(connection);
    changed.clear();
    removed.clear();
    const pqxx::result versions = tx.exec("SELECT store_id, registry_version FROM stores");
    std::size_t known = 0;
    for (const auto& row : versions) {
      const std::string_view id(row[0].c_str(), row[0].size());
      const auto version = row[1].as<std::int64_t>();
      const auto held = versions_.find(id);
      if (held != versions_.end()) ++known;
      if (held == versions_.end() || held->second != version) changed.emplace_back(std::string(id), version);
    }
    if (known != versions_.size()) {  // some stores are gone
      std::unordered_set<std::string_view> present;
      present.reserve(versions.size());
      for (const auto& row : versions) present.emplace(row[0].c_str(), row[0].size());
      for (const auto& [id, version] : versions_) {
        if (!present.contains(id)) removed.push_back(id);
      }
    }
    domain::FloorPlan::Change change({}, options_.zone_filter);
    for (const std::string& id : removed) change.remove(id);
    stores_read = changed.size();
    if (base != nullptr && changed.empty() && removed.empty()) {
      tx.commit();
      return std::optional<domain::FloorPlan>{};  // nothing changed: keep the plan
    }
    // In chunks of stores: a full load never holds every row's text at once,
    // and a stop request is seen between chunks (a whole load at 100,000
    // stores outlasted server.drain_seconds).
    std::sort(changed.begin(), changed.end());
    const std::size_t chunk = std::max<std::size_t>(1, options_.load_chunk_stores);
    if (auto loaded =
            load_chunks(pool_, tx, changed, chunk, extra_load_connections(), stopping_, change, options_.zone_filter);
        !loaded) {
      return std::unexpected(loaded.error());
    }
    tx.commit();
    auto next = domain::FloorPlan::apply(base.get(), std::move(change));
    if (!next) return fail(ErrorCode::kInternal, "the registry in PostgreSQL is inconsistent: " + next.error().message);
    return std::optional<domain::FloorPlan>(std::move(*next));
  });
  if (!plan) return std::unexpected(plan.error());
  if (*plan) plan_.store(std::make_shared<const domain::FloorPlan>(std::move(**plan)));
  for (auto& [id, version] : changed) versions_.insert_or_assign(std::move(id), version);
  for (const std::string& id : removed) versions_.erase(id);
  stores_read_ += stores_read;
  // The rows' text and the replaced blocks are freed by now; give the pages
  // back, or the process keeps a load's peak for good.
  if (stores_read >= options_.load_chunk_stores) malloc_trim(0);
  return stores_read;
}

template <typename Write>
domain::Result<void> PostgresRegistry::write_and_notify(Write&& write) {
  auto written = pool_.run([&](pqxx::connection& connection) -> domain::Result<void> {
    pqxx::work tx(connection);
    auto ok = write(tx);
    if (!ok) return ok;  // the transaction rolls back: nothing half-written
    // Delivered to every listener when (and only if) this commits.
    tx.exec("NOTIFY registry_changed");
    tx.commit();
    return {};
  });
  // The change is committed even if this reload fails; the listener retries.
  if (written) (void)reload();
  return written;
}

domain::Result<void> PostgresRegistry::create_store(const domain::Store& store) {
  if (auto ok = check_text(store.id, kMaxIdBytes, true, "store.id"); !ok) return ok;
  if (auto ok = check_text(store.name, kMaxNameBytes, false, "store.name"); !ok) return ok;
  std::set<std::string> zone_ids;
  for (domain::Zone zone : store.zones) {
    if (!zone.store_id.empty() && zone.store_id != store.id) {
      return fail(ErrorCode::kInvalidArgument,
                  "zone '" + zone.id + "' names store '" + zone.store_id + "' inside store '" + store.id + "'",
                  "zone.store_id");
    }
    zone.store_id = store.id;
    if (auto ok = check_zone(zone); !ok) return ok;
    if (!zone_ids.insert(zone.id).second) {
      return fail(ErrorCode::kAlreadyExists, "zone '" + zone.id + "' is listed twice", "zone.id");
    }
  }
  return write_and_notify([&](pqxx::work& tx) -> domain::Result<void> {
    const pqxx::result inserted =
        store.location
            ? tx.exec_params(
                  "INSERT INTO stores (store_id, name, latitude, longitude) VALUES ($1, $2, $3, $4) "
                  "ON CONFLICT DO NOTHING RETURNING 1",
                  store.id, store.name, store.location->latitude, store.location->longitude)
            : tx.exec_params("INSERT INTO stores (store_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
                             store.id, store.name);
    if (inserted.empty()) {
      return fail(ErrorCode::kAlreadyExists, "store '" + store.id + "' already exists", "store.id");
    }
    for (domain::Zone zone : store.zones) {
      zone.store_id = store.id;
      if (auto ok = insert_zone(tx, zone); !ok) return ok;
    }
    return {};
  });
}

domain::Result<void> PostgresRegistry::add_zone(const domain::Zone& zone) {
  if (auto ok = check_zone(zone); !ok) return ok;
  return write_and_notify([&](pqxx::work& tx) -> domain::Result<void> {
    if (!store_exists(tx, zone.store_id)) {
      return fail(ErrorCode::kNotFound, "store '" + zone.store_id + "' does not exist", "zone.store_id");
    }
    return insert_zone(tx, zone);
  });
}

domain::Result<void> PostgresRegistry::update_zone(const application::ZoneChange& change) {
  // The zone as the change gives it (no label: ""), checked as an insert is
  // and written through the same column helpers.
  const domain::Zone given{change.zone_id, change.store_id, domain::ZoneKind::kTable, change.label.value_or(""),
                           change.layout,  change.position};
  if (auto ok = check_zone(given); !ok) return ok;
  return write_and_notify([&](pqxx::work& tx) -> domain::Result<void> {
    // Each group's columns are all given or all NULL, so COALESCE keeps an
    // absent group whole (and the positions' both-or-neither CHECK holds).
    const bool updated =
        !tx.exec_params(
               "UPDATE zones SET label = COALESCE($3, label), "
               "layout_x = COALESCE($4, layout_x), layout_y = COALESCE($5, layout_y), "
               "layout_width = COALESCE($6, layout_width), layout_height = COALESCE($7, layout_height), "
               "position_x = COALESCE($8, position_x), position_y = COALESCE($9, position_y) "
               "WHERE store_id = $1 AND zone_id = $2 RETURNING 1",
               change.store_id, change.zone_id, change.label, layout_part(given, &domain::ZoneLayout::x),
               layout_part(given, &domain::ZoneLayout::y), layout_part(given, &domain::ZoneLayout::width),
               layout_part(given, &domain::ZoneLayout::height), position_part(given, &domain::FloorPosition::x_m),
               position_part(given, &domain::FloorPosition::y_m))
             .empty();
    if (updated) return {};
    if (!store_exists(tx, change.store_id)) {
      return fail(ErrorCode::kNotFound, "store '" + change.store_id + "' does not exist", "store_id");
    }
    return fail(ErrorCode::kNotFound, "store '" + change.store_id + "' has no zone '" + change.zone_id + "'",
                "zone_id");
  });
}

domain::Result<void> PostgresRegistry::register_beacon(const domain::Beacon& beacon) {
  if (auto ok = check_beacon(beacon); !ok) return ok;
  return write_and_notify([&](pqxx::work& tx) -> domain::Result<void> {
    if (!store_exists(tx, beacon.store_id)) {
      return fail(ErrorCode::kNotFound, "store '" + beacon.store_id + "' does not exist", "beacon.store_id");
    }
    if (auto ok = check_zone_of_store(tx, beacon.store_id, beacon.zone_id); !ok) return ok;
    if (insert_beacon_if_absent(tx, beacon).empty()) {
      return fail(ErrorCode::kAlreadyExists, "beacon " + beacon.key.to_string() + " is already registered", "beacon");
    }
    return {};
  });
}

domain::Result<void> PostgresRegistry::retire_beacon(const domain::BeaconKey& key) {
  return write_and_notify([&](pqxx::work& tx) -> domain::Result<void> {
    if (tx.exec_params("UPDATE beacons SET retired_at = now() "
                       "WHERE uuid = $1::uuid AND major = $2 AND minor = $3 AND retired_at IS NULL RETURNING 1",
                       key.uuid.to_string(), static_cast<int>(key.major), static_cast<int>(key.minor))
            .empty()) {
      return fail(ErrorCode::kNotFound, "no active beacon " + key.to_string(), "beacon");
    }
    return {};
  });
}

domain::Result<void> PostgresRegistry::write_fingerprints(const domain::StoreFingerprints& fingerprints,
                                                          domain::CalibrationMode mode) {
  return write_and_notify([&](pqxx::work& tx) -> domain::Result<void> {
    // FOR UPDATE: writes to one store's calibration (chunks of an import, a
    // recording) take turns, so appended sample numbers never collide.
    if (tx.exec_params("SELECT 1 FROM stores WHERE store_id = $1 FOR UPDATE", fingerprints.store_id).empty()) {
      return fail(ErrorCode::kNotFound, "store '" + fingerprints.store_id + "' does not exist", "store_id");
    }
    if (mode == domain::CalibrationMode::kReplaceStore) {
      tx.exec_params("DELETE FROM fingerprint_readings WHERE store_id = $1", fingerprints.store_id);
    } else if (mode == domain::CalibrationMode::kReplaceZones) {
      std::set<std::string> zones;
      for (const domain::FingerprintSample& sample : fingerprints.samples) zones.insert(sample.zone_id);
      for (const std::string& zone : zones) {
        tx.exec_params("DELETE FROM fingerprint_readings WHERE store_id = $1 AND zone_id = $2", fingerprints.store_id,
                       zone);
      }
    }
    // New samples are numbered after the store's last: the order they were
    // recorded in is kept.
    const int first = tx.exec_params(
                            "SELECT COALESCE(MAX(sample_no) + 1, 0) FROM fingerprint_readings "
                            "WHERE store_id = $1",
                            fingerprints.store_id)[0][0]
                          .as<int>();
    // COPY: a calibration walk is thousands of rows.
    pqxx::stream_to rows(
        tx, "fingerprint_readings",
        std::vector<std::string>{"store_id", "sample_no", "zone_id", "uuid", "major", "minor", "rssi"});
    for (std::size_t i = 0; i < fingerprints.samples.size(); ++i) {
      const domain::FingerprintSample& sample = fingerprints.samples[i];
      for (const domain::FingerprintReading& reading : sample.readings) {
        rows << std::make_tuple(fingerprints.store_id, first + static_cast<int>(i), sample.zone_id,
                                reading.beacon.uuid.to_string(), static_cast<int>(reading.beacon.major),
                                static_cast<int>(reading.beacon.minor), reading.rssi);
      }
    }
    rows.complete();
    return {};
  });
}

domain::Result<void> PostgresRegistry::seed_from(const domain::FloorPlan& plan) {
  // FloorPlan hands out copies: take them once for the checks and the writes.
  const std::vector<domain::Store> stores = plan.stores();
  const std::vector<domain::Beacon> beacons = plan.beacons();
  for (const domain::Store& store : stores) {
    if (auto ok = check_text(store.id, kMaxIdBytes, true, "store.id"); !ok) return ok;
    if (auto ok = check_text(store.name, kMaxNameBytes, false, "store.name"); !ok) return ok;
    for (const domain::Zone& zone : store.zones) {
      if (auto ok = check_zone(zone); !ok) return ok;
    }
  }
  for (const domain::Beacon& beacon : beacons) {
    if (auto ok = check_beacon(beacon); !ok) return ok;
  }
  // Only a seed that wrote something notifies and reloads: every instance
  // seeds at start, and an unchanged seed must not make every other instance
  // reload the whole registry (at 100,000 stores a reload takes seconds,
  // docs/capacity.md), nor load it twice itself.
  bool changed = false;
  auto written = pool_.run([&](pqxx::connection& connection) -> domain::Result<void> {
    pqxx::work tx(connection);
    std::size_t rows = 0;
    for (const domain::Store& store : stores) {
      rows += tx.exec_params("INSERT INTO stores (store_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING", store.id,
                             store.name)
                  .affected_rows();
      for (domain::Zone zone : store.zones) {
        zone.store_id = store.id;
        // The file is where a store's drawing is kept: a layout or position
        // given there replaces the stored one (each group's columns are all
        // set or all NULL, so COALESCE keeps an absent group whole); nothing
        // else of an existing zone changes.
        rows += write_zone(
                    tx, zone,
                    "ON CONFLICT (store_id, zone_id) DO UPDATE SET "
                    "layout_x = COALESCE(EXCLUDED.layout_x, zones.layout_x), "
                    "layout_y = COALESCE(EXCLUDED.layout_y, zones.layout_y), "
                    "layout_width = COALESCE(EXCLUDED.layout_width, zones.layout_width), "
                    "layout_height = COALESCE(EXCLUDED.layout_height, zones.layout_height), "
                    "position_x = COALESCE(EXCLUDED.position_x, zones.position_x), "
                    "position_y = COALESCE(EXCLUDED.position_y, zones.position_y) "
                    "WHERE (EXCLUDED.layout_x IS NOT NULL AND (zones.layout_x, zones.layout_y, zones.layout_width, "
                    "zones.layout_height) IS DISTINCT FROM (EXCLUDED.layout_x, EXCLUDED.layout_y, "
                    "EXCLUDED.layout_width, EXCLUDED.layout_height)) OR (EXCLUDED.position_x IS NOT NULL AND "
                    "(zones.position_x, zones.position_y) IS DISTINCT FROM (EXCLUDED.position_x, EXCLUDED.position_y))")
                    .affected_rows();
      }
    }
    for (const domain::Beacon& beacon : beacons) rows += insert_beacon_if_absent(tx, beacon).affected_rows();
    changed = rows > 0;
    if (changed) tx.exec("NOTIFY registry_changed");
    tx.commit();
    return {};
  });
  if (written && changed) (void)reload();
  return written;
}

bool PostgresRegistry::sleep_unless_stopping(std::chrono::milliseconds duration) {
  std::unique_lock lock(stop_mutex_);
  return !stop_cv_.wait_for(lock, duration, [this] { return stopping_.load(); });
}

void PostgresRegistry::listen_loop() {
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds backoff = options_.min_backoff;
  while (!stopping_) {
    auto connection = connect(pool_.connection_string());
    if (connection) {
      try {
        bool changed = true;  // anything may have changed while we were not listening
        ChangeReceiver receiver(**connection, changed);
        backoff = options_.min_backoff;
        Clock::time_point last_reload = Clock::now();
        while (!stopping_) {
          if (Clock::now() - last_reload >= options_.periodic_reload) changed = true;
          // A failed reload stays pending and is retried on the next round.
          if (changed && reload()) {
            changed = false;
            last_reload = Clock::now();
          }
          // Short waits keep shutdown prompt; notifications wake it at once.
          (*connection)->await_notification(0, 200'000);
        }
        return;
      } catch (...) {
        // The connection broke (database restarting, network): reconnect.
      }
    }
    if (!sleep_unless_stopping(backoff)) return;
    backoff = std::min(options_.max_backoff, backoff * 2);
  }
}

}  // namespace tastesync::infrastructure::db
