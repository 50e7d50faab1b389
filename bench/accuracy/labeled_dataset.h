#pragma once

// The public labeled BLE RSSI dataset (UCI #435: 13 iBeacons b3001..b3013, a
// grid cell label and a timestamp per scan, -200 = not heard), read into
// fingerprint samples, and the baselines `make accuracy` compares the zone
// filter with (sequence_replay.h).

#include <optional>
#include <string>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/error.h"

namespace tastesync::bench {

struct LabeledScan {
  std::string day;        // the date part of the timestamp, e.g. "10-18-2016"
  int second_of_day = 0;  // the time part, in seconds
  domain::FingerprintSample sample;
};

struct LabeledDataset {
  std::vector<domain::Beacon> beacons;  // one per RSSI column, in a store named "labeled-dataset"
  std::vector<LabeledScan> scans;
};

// Reads iBeacon_RSSI_Labeled.csv (header: location,date,b3001,...).
domain::Result<LabeledDataset> read_labeled_dataset(const std::string& csv_path);

// Grid cells are a letter (column) and a number (row): "K04" is (10, 4).
std::optional<std::pair<int, int>> cell_position(const std::string& cell);
// The same cell or one of its 8 surrounding cells.
bool neighbours(const std::string& a, const std::string& b);

// Strongest beacon wins: the beacon heard loudest in a scan stands for the
// cell where the calibration scans heard it loudest on average.
class StrongestBeacon {
 public:
  explicit StrongestBeacon(const std::vector<const LabeledScan*>& calibration);
  // Empty when no beacon of the scan was heard in calibration.
  std::string classify(const domain::FingerprintSample& sample) const;

 private:
  std::vector<std::pair<domain::BeaconKey, std::pair<std::string, double>>> loudest_;  // beacon -> (cell, mean)
};

}  // namespace tastesync::bench
