#pragma once

// A simulated building shaped like issue 16's unseen data set, for the part
// of it the other tables cannot stand in for: few beacons, all of them heard
// in most scans, and one phone held still per zone for 100 consecutive scans
// whose noise drifts slowly (the same body, the same reflections), split in
// halves for calibration and use. Two floors of 14 zones (a 7 x 2 grid, 3 m
// apart; floors 4 m apart and 15 dB through the floor), 3 beacons a floor,
// an entrance with one of them and no calibration. Each zone/beacon pair has
// its own fixed multipath offset (5 dB), which no floor plan predicts; each
// scan adds a slow fade per beacon (AR(1), 0.9 a second, 3 dB) and 2.5 dB of
// fast noise, in whole dB; a reading below -100 dBm or 10 % of the others
// are not heard. The beacons transmit at `tx_power_dbm` (0 dBm: -59 dBm at
// 1 m) while the store's beacons keep the -59 dBm the owner configured.
//
// The zones are named as grid cells (floor 1 rows 1-2, floor 2 rows 11-12),
// so a grid reading of the names says "the same floor, next to it"; the
// entrance is "entrance".
//
// make accuracy replays it (bench/accuracy); an integration test replays it
// through the running service's public interfaces.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/zone.h"

namespace tastesync::testing {

// What the building is called and how its beacons advertise.
struct BuildingNames {
  std::string store_id = "two-floor-building";
  std::string uuid = "00000000-0000-4000-8000-000000006000";
  std::uint16_t major = 1;
};

struct TwoFloorBuilding {
  domain::Store store;                  // the entrance, then the 28 zones, with floor positions
  std::vector<domain::Beacon> beacons;  // minors 1-6, the first the entrance's
  // Per zone (the store's zones after the entrance, in order): its scans,
  // one a second, in the order recorded.
  std::vector<std::vector<domain::FingerprintSample>> scans;
};

TwoFloorBuilding two_floor_building(double tx_power_dbm, std::uint64_t seed, const BuildingNames& names = {});

// The floor (0 or 1) of one of the building's zone ids; the entrance is on 0.
int building_floor(const std::string& zone_id);

}  // namespace tastesync::testing
