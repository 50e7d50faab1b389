#pragma once

// A seeded synthetic restaurant for exercising the zone resolver: an entrance
// beacon and a row of tables, each with its own beacon, heard by a phone
// through a log-distance path-loss model with Gaussian noise. Everything is
// driven by one std::mt19937_64, so a (config, seed) pair always yields the
// same sightings; the store simulator reuses it with its own layouts.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/sighting.h"
#include "domain/entities/zone.h"
#include "domain/services/zone_resolver.h"

namespace tastesync::testing {

struct Point {
  double x = 0.0;  // metres along the row of tables (entrance beacon at 0)
  double y = 0.0;  // metres across the row (beacons at 0)
};

double distance_between(Point a, Point b);

struct SyntheticStoreConfig {
  std::string store_id = "synthetic-bistro";
  int tables = 6;
  // The tables that carry a beacon (1-based); empty: every table. A store
  // with fewer beacons than tables can only be told apart by calibration.
  std::vector<int> beacon_tables;
  double table_spacing_m = 2.0;
  // From the entrance beacon to table 1's beacon, along the row.
  double entrance_to_first_table_m = 6.0;
  // A seated phone sits this far across the row from its table's beacon, so
  // the neighbouring beacons are sqrt(spacing^2 + offset^2) away.
  double seat_offset_m = 0.5;
  int tx_power_1m = -59;
  // 2.5: a furnished dining room with people in it (2.0 is free space, the
  // pessimistic extreme; see the README's accuracy notes for both).
  double path_loss_exponent = 2.5;
  double noise_sigma_db = 6.0;
  // Chance that one beacon's advertisement is missing from a report.
  double drop_probability = 0.0;
  // Beacons farther than this are never heard.
  double hearing_range_m = 15.0;
  // When set, every reading carries tx_power (as iBeacon's measured power does).
  bool readings_carry_tx_power = false;
  // Extra loss (dB) for a beacon straight behind the customer's body; a
  // beacon at an angle theta from where they face loses
  // body_shadow_db * (1 - cos theta) / 2. Only reports given a heading use it.
  double body_shadow_db = 0.0;
  std::chrono::milliseconds report_interval{1000};
  std::uint64_t seed = 1;
};

// The zone ids the synthetic store uses.
std::string entrance_zone_id();
std::string table_zone_id(int table);  // 1-based: "table-3"

// Phone positions, one per report, for one customer's visit.
struct Visit {
  std::vector<Point> positions;
  std::size_t first_seated = 0;  // index of the first report taken at the seat
};

class SyntheticStore {
 public:
  explicit SyntheticStore(SyntheticStoreConfig config = {});

  // Sightings hold pointers into beacons_: the store moves, it never copies.
  SyntheticStore(SyntheticStore&&) = default;
  SyntheticStore& operator=(SyntheticStore&&) = default;
  SyntheticStore(const SyntheticStore&) = delete;
  SyntheticStore& operator=(const SyntheticStore&) = delete;
  ~SyntheticStore() = default;

  const SyntheticStoreConfig& config() const { return config_; }
  const std::vector<domain::Beacon>& beacons() const { return beacons_; }
  const std::vector<Point>& beacon_positions() const { return positions_; }
  // The zones, for FloorPlan::build; with their floor positions (the
  // entrance spot and the seats) unless `with_positions` is false.
  domain::Store store(bool with_positions = true) const;

  const domain::Beacon& entrance_beacon() const { return beacons_.front(); }
  // The beacon of a table that carries one (throws otherwise).
  const domain::Beacon& table_beacon(int table) const;
  // Where a customer waits at the entrance, and where a seated phone lies.
  Point entrance_spot() const;
  Point seat(int table) const;

  // Noise-free RSSI (dBm) of beacon `index` heard at `phone`.
  double expected_rssi(std::size_t index, Point phone) const;
  // Body loss (dB, >= 0) of beacon `index` for a phone at `phone` held by a
  // customer facing `heading`; 0 without a heading.
  double body_loss_db(std::size_t index, Point phone, std::optional<Point> heading) const;

  // One report: a reading of every beacon in range of `phone` that is not
  // dropped. `out` is cleared and refilled, so a caller looping over reports
  // allocates once.
  void report(Point phone, domain::Timestamp at, std::vector<domain::KnownSighting>& out);
  std::vector<domain::KnownSighting> report(Point phone, domain::Timestamp at);
  // The same, for a customer facing `heading` (any non-zero vector): beacons
  // behind their body are attenuated by body_shadow_db.
  void report(Point phone, Point heading, domain::Timestamp at, std::vector<domain::KnownSighting>& out);

  // Waits `entrance_reports` reports at the entrance, walks in a straight
  // line to the seat of `table` at `speed_mps` (one position per report, the
  // last exactly at the seat), then stays seated for `seated_reports`
  // reports (the arrival one included).
  Visit walk_to_table(int table, int entrance_reports, int seated_reports, double speed_mps = 1.0) const;

  // Timestamp of the i-th report of a visit.
  domain::Timestamp report_time(std::size_t index) const;

 private:
  void fill_report(Point phone, std::optional<Point> heading, domain::Timestamp at,
                   std::vector<domain::KnownSighting>& out);

  SyntheticStoreConfig config_;
  std::vector<domain::Beacon> beacons_;  // entrance first, then the tables that carry one
  std::vector<Point> positions_;         // parallel to beacons_
  std::mt19937_64 rng_;
  std::normal_distribution<double> noise_;
  std::uniform_real_distribution<double> unit_;
};

}  // namespace tastesync::testing
