#include "support/synthetic_store.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace tastesync::testing {
namespace {

// Any fixed instant will do; a real-looking one keeps logs readable.
constexpr domain::Timestamp kEpoch{std::chrono::seconds{1'700'000'000}};

domain::BeaconKey synthetic_key(std::uint16_t minor) {
  constexpr std::array<std::uint8_t, 16> kUuid{0xf7, 0x82, 0x6d, 0xa6, 0x4f, 0xa2, 0x4e, 0x98,
                                               0x80, 0x24, 0xbc, 0x5b, 0x71, 0xe0, 0x89, 0x3e};
  return domain::BeaconKey{domain::BeaconUuid(kUuid), 1, minor};
}

// iBeacon RSSI is an integer in -127..-1 dBm.
int to_reported_rssi(double rssi) { return static_cast<int>(std::clamp(std::lround(rssi), -127L, -1L)); }

}  // namespace

double distance_between(Point a, Point b) { return std::hypot(a.x - b.x, a.y - b.y); }

std::string entrance_zone_id() { return "entrance"; }
std::string table_zone_id(int table) { return "table-" + std::to_string(table); }

SyntheticStore::SyntheticStore(SyntheticStoreConfig config)
    : config_(std::move(config)), rng_(config_.seed), noise_(0.0, config_.noise_sigma_db), unit_(0.0, 1.0) {
  if (config_.tables < 1) throw std::invalid_argument("a synthetic store needs at least one table");
  beacons_.push_back(domain::Beacon{synthetic_key(0), config_.store_id, entrance_zone_id(), config_.tx_power_1m, 0.0});
  positions_.push_back(Point{0.0, 0.0});
  for (int table = 1; table <= config_.tables; ++table) {
    const auto& chosen = config_.beacon_tables;
    if (!chosen.empty() && std::find(chosen.begin(), chosen.end(), table) == chosen.end()) continue;
    beacons_.push_back(domain::Beacon{synthetic_key(static_cast<std::uint16_t>(table)), config_.store_id,
                                      table_zone_id(table), config_.tx_power_1m, 0.0});
    positions_.push_back(
        Point{config_.entrance_to_first_table_m + config_.table_spacing_m * static_cast<double>(table - 1), 0.0});
  }
}

domain::Store SyntheticStore::store(bool with_positions) const {
  auto at = [with_positions](Point p) {
    return with_positions ? std::optional<domain::FloorPosition>(domain::FloorPosition{p.x, p.y}) : std::nullopt;
  };
  domain::Store store{config_.store_id, "Synthetic bistro", {}};
  store.zones.push_back(domain::Zone{.id = entrance_zone_id(),
                                     .store_id = config_.store_id,
                                     .kind = domain::ZoneKind::kEntrance,
                                     .label = "Entrance",
                                     .position = at(entrance_spot())});
  for (int table = 1; table <= config_.tables; ++table) {
    store.zones.push_back(domain::Zone{.id = table_zone_id(table),
                                       .store_id = config_.store_id,
                                       .kind = domain::ZoneKind::kTable,
                                       .label = "Table " + std::to_string(table),
                                       .position = at(seat(table))});
  }
  return store;
}

const domain::Beacon& SyntheticStore::table_beacon(int table) const {
  const auto found = std::find_if(beacons_.begin(), beacons_.end(),
                                  [&](const domain::Beacon& b) { return b.zone_id == table_zone_id(table); });
  if (found == beacons_.end()) throw std::out_of_range("no beacon at table " + std::to_string(table));
  return *found;
}

Point SyntheticStore::entrance_spot() const { return Point{positions_.front().x, config_.seat_offset_m}; }

// Tables stand in a row whether or not they carry a beacon.
Point SyntheticStore::seat(int table) const {
  if (table < 1 || table > config_.tables) throw std::out_of_range("no such table: " + std::to_string(table));
  return Point{config_.entrance_to_first_table_m + config_.table_spacing_m * static_cast<double>(table - 1),
               config_.seat_offset_m};
}

double SyntheticStore::expected_rssi(std::size_t index, Point phone) const {
  // Closer than 10 cm the model's log blows up; a phone is never that close.
  const double distance = std::max(0.1, distance_between(positions_[index], phone));
  return static_cast<double>(config_.tx_power_1m) - 10.0 * config_.path_loss_exponent * std::log10(distance);
}

double SyntheticStore::body_loss_db(std::size_t index, Point phone, std::optional<Point> heading) const {
  if (!heading || config_.body_shadow_db <= 0.0) return 0.0;
  const Point to_beacon{positions_[index].x - phone.x, positions_[index].y - phone.y};
  const double norms = std::hypot(heading->x, heading->y) * std::hypot(to_beacon.x, to_beacon.y);
  if (norms <= 0.0) return 0.0;
  const double cosine = (heading->x * to_beacon.x + heading->y * to_beacon.y) / norms;
  return config_.body_shadow_db * (1.0 - cosine) / 2.0;
}

void SyntheticStore::report(Point phone, domain::Timestamp at, std::vector<domain::KnownSighting>& out) {
  fill_report(phone, std::nullopt, at, out);
}

void SyntheticStore::report(Point phone, Point heading, domain::Timestamp at, std::vector<domain::KnownSighting>& out) {
  fill_report(phone, heading, at, out);
}

void SyntheticStore::fill_report(Point phone, std::optional<Point> heading, domain::Timestamp at,
                                 std::vector<domain::KnownSighting>& out) {
  out.clear();
  for (std::size_t i = 0; i < beacons_.size(); ++i) {
    // Draw both numbers for every beacon, heard or not, so changing the range
    // or the drop rate does not reshuffle the noise of the other beacons.
    const double noise = noise_(rng_);
    const double draw = unit_(rng_);
    if (distance_between(positions_[i], phone) > config_.hearing_range_m) continue;
    if (draw < config_.drop_probability) continue;
    domain::KnownSighting sighting;
    sighting.beacon = &beacons_[i];
    sighting.rssi = to_reported_rssi(expected_rssi(i, phone) - body_loss_db(i, phone, heading) + noise);
    if (config_.readings_carry_tx_power) sighting.tx_power = beacons_[i].tx_power_1m;
    sighting.observed_at = at;
    out.push_back(sighting);
  }
}

std::vector<domain::KnownSighting> SyntheticStore::report(Point phone, domain::Timestamp at) {
  std::vector<domain::KnownSighting> out;
  report(phone, at, out);
  return out;
}

Visit SyntheticStore::walk_to_table(int table, int entrance_reports, int seated_reports, double speed_mps) const {
  if (speed_mps <= 0.0) throw std::invalid_argument("walking speed must be positive");
  Visit visit;
  const Point from = entrance_spot();
  const Point to = seat(table);
  for (int i = 0; i < entrance_reports; ++i) visit.positions.push_back(from);
  const double length = distance_between(from, to);
  const double step = speed_mps * std::chrono::duration<double>(config_.report_interval).count();
  // The walk ends on a report taken at the seat, however the length divides.
  const auto steps = static_cast<int>(std::max(1.0, std::ceil(length / step - 1e-9)));
  for (int i = 1; i < steps; ++i) {
    const double t = static_cast<double>(i) * step / length;
    visit.positions.push_back(Point{from.x + (to.x - from.x) * t, from.y + (to.y - from.y) * t});
  }
  visit.first_seated = visit.positions.size();
  for (int i = 0; i < std::max(1, seated_reports); ++i) visit.positions.push_back(to);
  return visit;
}

domain::Timestamp SyntheticStore::report_time(std::size_t index) const {
  return kEpoch + config_.report_interval * static_cast<std::int64_t>(index);
}

}  // namespace tastesync::testing
