#pragma once

// The public labeled BLE RSSI dataset (UCI #435: 13 iBeacons b3001..b3013, a
// grid cell label and a timestamp per scan, -200 = not heard), read into
// fingerprint samples, and the evaluation `make accuracy` reports on it.

#include <optional>
#include <string>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/error.h"

namespace tastesync::bench {

struct LabeledScan {
  std::string day;  // the date part of the timestamp, e.g. "10-18-2016"
  domain::FingerprintSample sample;
};

struct LabeledDataset {
  std::vector<domain::Beacon> beacons;  // one per RSSI column, in a store named "labeled-dataset"
  std::vector<LabeledScan> scans;
};

// Reads iBeacon_RSSI_Labeled.csv (header: location,date,b3001,...).
domain::Result<LabeledDataset> read_labeled_dataset(const std::string& csv_path);

struct RealDataResult {
  std::size_t scans = 0;           // test scans over all folds
  std::size_t days = 0;            // folds
  std::size_t unseen_cells = 0;    // test scans whose cell no other day recorded
  std::size_t knn_right = 0;       // exact cell
  std::size_t knn_near = 0;        // the cell or one of its 8 neighbours
  std::size_t baseline_right = 0;  // strongest beacon wins
  std::size_t baseline_near = 0;
};

// Leave-one-day-out: each day's scans are classified by a classifier
// calibrated on every other day, so consecutive near-identical scans of one
// session never sit on both sides. The baseline on the same folds: the
// strongest beacon wins, each beacon standing for the cell where the
// calibration days heard it loudest on average.
RealDataResult evaluate_by_day(const LabeledDataset& dataset, int k);

}  // namespace tastesync::bench
