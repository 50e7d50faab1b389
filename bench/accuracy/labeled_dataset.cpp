#include "accuracy/labeled_dataset.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

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

// "11:15:21" -> seconds since midnight.
std::optional<int> second_of_day(const std::string& time) {
  int h = 0, m = 0, sec = 0;
  if (std::sscanf(time.c_str(), "%d:%d:%d", &h, &m, &sec) != 3) return std::nullopt;
  return h * 3600 + m * 60 + sec;
}

}  // namespace

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

StrongestBeacon::StrongestBeacon(const std::vector<const LabeledScan*>& calibration) {
  // (beacon minor, cell) -> (sum, count)
  std::map<std::pair<std::uint16_t, std::string>, std::pair<double, int>> sums;
  std::map<std::uint16_t, domain::BeaconKey> keys;
  for (const LabeledScan* scan : calibration) {
    for (const auto& reading : scan->sample.readings) {
      if (reading.rssi <= domain::kNotHeardRssi) continue;
      auto& [sum, count] = sums[{reading.beacon.minor, scan->sample.zone_id}];
      sum += reading.rssi;
      ++count;
      keys.emplace(reading.beacon.minor, reading.beacon);
    }
  }
  std::map<std::uint16_t, std::pair<std::string, double>> loudest;
  for (const auto& [beacon_cell, sum_count] : sums) {
    const double mean = sum_count.first / sum_count.second;
    auto [it, inserted] = loudest.try_emplace(beacon_cell.first, beacon_cell.second, mean);
    if (!inserted && mean > it->second.second) it->second = {beacon_cell.second, mean};
  }
  for (const auto& [minor, cell_mean] : loudest) loudest_.emplace_back(keys.at(minor), cell_mean);
}

std::string StrongestBeacon::classify(const domain::FingerprintSample& sample) const {
  const domain::FingerprintReading* best = nullptr;
  std::string cell;
  for (const auto& reading : sample.readings) {
    if (reading.rssi <= domain::kNotHeardRssi) continue;
    const auto it =
        std::find_if(loudest_.begin(), loudest_.end(), [&](const auto& b) { return b.first == reading.beacon; });
    if (it == loudest_.end()) continue;
    if (best == nullptr || reading.rssi > best->rssi) {
      best = &reading;
      cell = it->second.first;
    }
  }
  return cell;
}

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
    const std::size_t space = cells[1].find(' ');
    scan.day = cells[1].substr(0, space);
    const auto second = space == std::string::npos ? std::nullopt : second_of_day(cells[1].substr(space + 1));
    if (!second) {
      return fail(ErrorCode::kInvalidArgument,
                  csv_path + " line " + std::to_string(number) + ": '" + cells[1] + "' is not 'M-D-YYYY HH:MM:SS'",
                  "dataset");
    }
    scan.second_of_day = *second;
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

}  // namespace tastesync::bench
