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
// so labeled_dataset.h's neighbours() reads "the same floor, next to it".

#include <cstdint>

#include "accuracy/labeled_dataset.h"
#include "domain/entities/zone.h"

namespace tastesync::bench {

struct TwoFloorBuilding {
  LabeledDataset scans;  // one "day"; each zone's 100 scans a second apart
  domain::Store store;   // the 28 zones and the entrance, with floor positions
};

TwoFloorBuilding two_floor_building(double tx_power_dbm, std::uint64_t seed);

}  // namespace tastesync::bench
