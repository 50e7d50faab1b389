#include "support/two_floor_building.h"

#include <charconv>
#include <cmath>
#include <random>
#include <string>

namespace tastesync::testing {
namespace {

constexpr int kFloors = 2;
constexpr int kColumns = 7;
constexpr int kRows = 2;
constexpr double kSpacingM = 3.0;
constexpr double kFloorHeightM = 4.0;
constexpr double kFloorLossDb = 15.0;
constexpr double kPathLossExponent = 2.5;
constexpr double kMultipathSigmaDb = 5.0;
constexpr double kFadeCorrelation = 0.9;  // per second
constexpr double kFadeSigmaDb = 3.0;
constexpr double kNoiseSigmaDb = 2.5;
constexpr double kSensitivityDbm = -100.0;
constexpr double kDropShare = 0.1;
constexpr int kScansPerZone = 100;
constexpr int kConfiguredPower1m = -59;

struct Spot {
  double x = 0.0;
  double y = 0.0;
  int floor = 0;
};

// Metres from the plan's top-left corner (where a floor plan's coordinates
// start): the entrance on its left edge, the grid of zones to its right.
constexpr double kGridLeftM = 1.5;

// Beacons along each floor's long walls, the first at the entrance.
constexpr Spot kBeaconSpots[] = {{kGridLeftM, 0.0, 0}, {kGridLeftM + 10.5, 6.0, 0}, {kGridLeftM + 21.0, 0.0, 0},
                                 {kGridLeftM, 6.0, 1}, {kGridLeftM + 10.5, 0.0, 1}, {kGridLeftM + 21.0, 6.0, 1}};
constexpr Spot kEntranceSpot{0.0, 1.5, 0};

Spot zone_spot(int floor, int column, int row) {
  return {kGridLeftM + kSpacingM * (column + 0.5), kSpacingM * (row + 0.5), floor};
}

constexpr int kRowsPerFloor = 10;  // in the zone names: floor 1 rows 1-2, floor 2 rows 11-12

std::string zone_name(int floor, int column, int row) {
  const int number = 1 + row + floor * kRowsPerFloor;
  return std::string(1, static_cast<char>('A' + column)) + (number < 10 ? "0" : "") + std::to_string(number);
}

double distance(const Spot& a, const Spot& b) {
  return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) +
                   std::pow(kFloorHeightM * (a.floor - b.floor), 2.0));
}

}  // namespace

int building_floor(const std::string& zone_id) {
  int row = 0;
  if (zone_id.size() < 2 || std::from_chars(zone_id.data() + 1, zone_id.data() + zone_id.size(), row).ec != std::errc{})
    return 0;
  return row > kRowsPerFloor ? 1 : 0;
}

TwoFloorBuilding two_floor_building(double tx_power_dbm, std::uint64_t seed, const BuildingNames& names) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);

  TwoFloorBuilding building;
  const std::string& store_id = names.store_id;
  const domain::BeaconUuid uuid = *domain::BeaconUuid::parse(names.uuid);
  building.store = domain::Store{store_id, "Two-floor building", {}};
  domain::Zone entrance{"entrance", store_id, domain::ZoneKind::kEntrance, "Entrance"};
  entrance.position = domain::FloorPosition{kEntranceSpot.x, kEntranceSpot.y};
  building.store.zones.push_back(entrance);
  std::vector<Spot> spots;
  std::vector<std::string> zone_ids;
  for (int floor = 0; floor < kFloors; ++floor) {
    for (int row = 0; row < kRows; ++row) {
      for (int column = 0; column < kColumns; ++column) {
        const Spot spot = zone_spot(floor, column, row);
        spots.push_back(spot);
        zone_ids.push_back(zone_name(floor, column, row));
        domain::Zone zone{zone_ids.back(), store_id, domain::ZoneKind::kTable, zone_ids.back()};
        // One plan for both floors, as a floor page draws them side by side.
        zone.position = domain::FloorPosition{spot.x, spot.y + floor * (kRows * kSpacingM + kFloorHeightM)};
        building.store.zones.push_back(std::move(zone));
      }
    }
  }
  // Each beacon belongs to the zone nearest it; the first to the entrance.
  for (int b = 0; b < static_cast<int>(std::size(kBeaconSpots)); ++b) {
    std::string home = "entrance";
    if (b > 0) {
      double nearest = 1e9;
      for (std::size_t z = 0; z < spots.size(); ++z) {
        if (distance(spots[z], kBeaconSpots[b]) < nearest) {
          nearest = distance(spots[z], kBeaconSpots[b]);
          home = zone_ids[z];
        }
      }
    }
    building.beacons.push_back(domain::Beacon{domain::BeaconKey{uuid, names.major, static_cast<std::uint16_t>(b + 1)},
                                              store_id, home, kConfiguredPower1m, 0.0});
  }
  const double power_1m = kConfiguredPower1m + tx_power_dbm;
  const std::size_t beacons = building.beacons.size();
  for (std::size_t z = 0; z < spots.size(); ++z) {
    std::vector<double> mean(beacons);
    std::vector<double> fade(beacons);
    for (std::size_t b = 0; b < beacons; ++b) {
      const Spot& at = kBeaconSpots[b];
      mean[b] = power_1m - 10.0 * kPathLossExponent * std::log10(std::max(0.5, distance(spots[z], at))) -
                kFloorLossDb * std::abs(spots[z].floor - at.floor) + kMultipathSigmaDb * normal(random);
      fade[b] = kFadeSigmaDb * normal(random);
    }
    std::vector<domain::FingerprintSample>& recorded = building.scans.emplace_back();
    for (int scan = 0; scan < kScansPerZone; ++scan) {
      domain::FingerprintSample& sample = recorded.emplace_back();
      sample.zone_id = zone_ids[z];
      for (std::size_t b = 0; b < beacons; ++b) {
        fade[b] = kFadeCorrelation * fade[b] +
                  std::sqrt(1.0 - kFadeCorrelation * kFadeCorrelation) * kFadeSigmaDb * normal(random);
        const double level = std::round(mean[b] + fade[b] + kNoiseSigmaDb * normal(random));
        if (level >= kSensitivityDbm && uniform(random) >= kDropShare) {
          sample.readings.push_back({building.beacons[b].key, static_cast<int>(level)});
        }
      }
    }
  }
  return building;
}

}  // namespace tastesync::testing
