#include "accuracy/labeled_dataset.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "domain/services/fingerprint_classifier.h"

namespace tastesync::bench {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr const char* kStore = "labeled-dataset";

std::vector<std::string> split_csv_line(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

domain::BeaconKey key_for(std::uint16_t minor) {
  static const domain::BeaconUuid uuid = *domain::BeaconUuid::parse("00000000-0000-4000-8000-000000003000");
  return domain::BeaconKey{uuid, 1, minor};
}

// Grid cells are a letter (column) and a number (row): "K04".
std::optional<std::pair<int, int>> cell_position(const std::string& cell) {
  if (cell.size() < 2 || cell[0] < 'A' || cell[0] > 'Z') return std::nullopt;
  int row = 0;
  const auto [end, error] = std::from_chars(cell.data() + 1, cell.data() + cell.size(), row);
  if (error != std::errc{} || end != cell.data() + cell.size()) return std::nullopt;
  return std::pair{cell[0] - 'A', row};
}

bool neighbours(const std::string& a, const std::string& b) {
  const auto pa = cell_position(a);
  const auto pb = cell_position(b);
  if (!pa || !pb) return a == b;
  return std::abs(pa->first - pb->first) <= 1 && std::abs(pa->second - pb->second) <= 1;
}

// Strongest beacon wins: the beacon heard loudest in the scan, standing for
// the cell where calibration heard it loudest on average.
class StrongestBeacon {
 public:
  explicit StrongestBeacon(const std::vector<const LabeledScan*>& calibration) {
    std::map<std::pair<domain::BeaconKey, std::string>, std::pair<double, int>, KeyLess> sums;
    for (const LabeledScan* scan : calibration) {
      for (const auto& reading : scan->sample.readings) {
        if (reading.rssi <= domain::kNotHeardRssi) continue;
        auto& [sum, count] = sums[{reading.beacon, scan->sample.zone_id}];
        sum += reading.rssi;
        ++count;
      }
    }
    for (const auto& [beacon_cell, sum_count] : sums) {
      const double mean = sum_count.first / sum_count.second;
      auto [it, inserted] = loudest_.try_emplace(beacon_cell.first, beacon_cell.second, mean);
      if (!inserted && mean > it->second.second) it->second = {beacon_cell.second, mean};
    }
  }

  std::string classify(const domain::FingerprintSample& sample) const {
    const domain::FingerprintReading* best = nullptr;
    for (const auto& reading : sample.readings) {
      if (reading.rssi <= domain::kNotHeardRssi || !loudest_.contains(reading.beacon)) continue;
      if (best == nullptr || reading.rssi > best->rssi) best = &reading;
    }
    return best == nullptr ? std::string() : loudest_.at(best->beacon).first;
  }

 private:
  struct KeyLess {
    bool operator()(const std::pair<domain::BeaconKey, std::string>& a,
                    const std::pair<domain::BeaconKey, std::string>& b) const {
      if (a.first.minor != b.first.minor) return a.first.minor < b.first.minor;
      return a.second < b.second;
    }
    bool operator()(const domain::BeaconKey& a, const domain::BeaconKey& b) const { return a.minor < b.minor; }
  };
  std::map<domain::BeaconKey, std::pair<std::string, double>, KeyLess> loudest_;
};

}  // namespace

domain::Result<LabeledDataset> read_labeled_dataset(const std::string& csv_path) {
  std::ifstream in(csv_path);
  if (!in) return fail(ErrorCode::kNotFound, "cannot read " + csv_path, "dataset");
  std::string line;
  if (!std::getline(in, line)) return fail(ErrorCode::kInvalidArgument, csv_path + " is empty", "dataset");
  const std::vector<std::string> header = split_csv_line(line);
  if (header.size() < 3 || header[0] != "location" || header[1] != "date") {
    return fail(ErrorCode::kInvalidArgument, csv_path + ": expected a header 'location,date,b3001,...'", "dataset");
  }
  LabeledDataset dataset;
  for (std::size_t c = 2; c < header.size(); ++c) {
    unsigned minor = 0;
    const std::string& name = header[c];
    const auto [end, error] = std::from_chars(name.data() + 1, name.data() + name.size(), minor);
    if (name.size() < 2 || name[0] != 'b' || error != std::errc{} || end != name.data() + name.size() ||
        minor > 65535) {
      return fail(ErrorCode::kInvalidArgument, csv_path + ": column '" + name + "' is not a beacon (bNNNN)", "dataset");
    }
    dataset.beacons.push_back(domain::Beacon{key_for(static_cast<std::uint16_t>(minor)), kStore, "", -59, 0.0});
  }
  for (int number = 2; std::getline(in, line); ++number) {
    const std::vector<std::string> cells = split_csv_line(line);
    if (cells.empty() || (cells.size() == 1 && cells[0].empty())) continue;
    if (cells.size() != header.size()) {
      return fail(ErrorCode::kInvalidArgument,
                  csv_path + " line " + std::to_string(number) + ": " + std::to_string(cells.size()) +
                      " cells, the header has " + std::to_string(header.size()),
                  "dataset");
    }
    LabeledScan scan;
    scan.day = cells[1].substr(0, cells[1].find(' '));
    scan.sample.zone_id = cells[0];
    for (std::size_t c = 2; c < cells.size(); ++c) {
      int rssi = 0;
      const auto [end, error] = std::from_chars(cells[c].data(), cells[c].data() + cells[c].size(), rssi);
      if (error != std::errc{} || end != cells[c].data() + cells[c].size()) {
        return fail(ErrorCode::kInvalidArgument,
                    csv_path + " line " + std::to_string(number) + ": '" + cells[c] + "' is not an RSSI", "dataset");
      }
      if (rssi > domain::kNotHeardRssi) scan.sample.readings.push_back({dataset.beacons[c - 2].key, rssi});
    }
    dataset.scans.push_back(std::move(scan));
  }
  return dataset;
}

RealDataResult evaluate_by_day(const LabeledDataset& dataset, int k) {
  std::set<std::string> days;
  for (const LabeledScan& scan : dataset.scans) days.insert(scan.day);
  auto beacon_of = [&dataset](const domain::BeaconKey& key) -> const domain::Beacon* {
    const auto it = std::find_if(dataset.beacons.begin(), dataset.beacons.end(),
                                 [&key](const domain::Beacon& b) { return b.key == key; });
    return it == dataset.beacons.end() ? nullptr : &*it;
  };

  RealDataResult result;
  result.days = days.size();
  for (const std::string& day : days) {
    domain::StoreFingerprints calibration{kStore, {}};
    std::vector<const LabeledScan*> calibration_scans;
    std::set<std::string> calibrated_cells;
    for (const LabeledScan& scan : dataset.scans) {
      if (scan.day == day) continue;
      calibration.samples.push_back(scan.sample);
      calibration_scans.push_back(&scan);
      calibrated_cells.insert(scan.sample.zone_id);
    }
    auto classifier = domain::FingerprintClassifier::build(calibration, beacon_of, domain::FingerprintSettings{.k = k});
    if (!classifier) continue;
    const StrongestBeacon baseline(calibration_scans);
    for (const LabeledScan& scan : dataset.scans) {
      if (scan.day != day) continue;
      ++result.scans;
      const std::string& truth = scan.sample.zone_id;
      if (!calibrated_cells.contains(truth)) ++result.unseen_cells;
      std::vector<double> levels = classifier->empty_scan();
      for (const auto& reading : scan.sample.readings) {
        const int column = classifier->column(reading.beacon);
        const domain::Beacon* beacon = beacon_of(reading.beacon);
        // Normalised as the resolver's tracks are (dB relative to 1 m power).
        if (column >= 0 && beacon != nullptr) {
          levels[static_cast<std::size_t>(column)] =
              reading.rssi + beacon->calibration_offset_db - static_cast<double>(beacon->tx_power_1m);
        }
      }
      const std::string knn = classifier->rank(levels).front().zone_id;
      const std::string strongest = baseline.classify(scan.sample);
      result.knn_right += knn == truth ? 1 : 0;
      result.knn_near += neighbours(knn, truth) ? 1 : 0;
      result.baseline_right += strongest == truth ? 1 : 0;
      result.baseline_near += !strongest.empty() && neighbours(strongest, truth) ? 1 : 0;
    }
  }
  return result;
}

}  // namespace tastesync::bench
