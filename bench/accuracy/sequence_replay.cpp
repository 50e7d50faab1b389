#include "accuracy/sequence_replay.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "domain/services/fingerprint_classifier.h"
#include "domain/services/zone_model.h"
#include "domain/services/zone_resolver.h"

namespace tastesync::bench {
namespace {

constexpr const char* kStore = "labeled-dataset";
// Any fixed day will do: sequences never span two days.
constexpr domain::Timestamp kDayStart{std::chrono::seconds{1'700'000'000}};

std::string knn(const domain::FingerprintClassifier& classifier, const std::vector<domain::Beacon>& beacons,
                const domain::FingerprintSample& sample) {
  std::vector<double> levels = classifier.empty_scan();
  for (const auto& reading : sample.readings) {
    const int column = classifier.column(reading.beacon);
    const auto beacon =
        std::find_if(beacons.begin(), beacons.end(), [&](const domain::Beacon& b) { return b.key == reading.beacon; });
    // Normalised as the resolver's levels are (dB relative to 1 m power).
    if (column >= 0 && beacon != beacons.end()) {
      levels[static_cast<std::size_t>(column)] =
          reading.rssi + beacon->calibration_offset_db - static_cast<double>(beacon->tx_power_1m);
    }
  }
  return classifier.rank(levels).front().zone_id;
}

void score(Hits& hits, const std::string& answer, const std::string& truth) {
  hits.exact += answer == truth ? 1 : 0;
  hits.near += !answer.empty() && neighbours(answer, truth) ? 1 : 0;
}

}  // namespace

// Every cell of the data set is a zone, placed on the grid (one unit a cell:
// only which cells neighbour which matters).
domain::Store grid_store(const LabeledDataset& dataset) {
  std::set<std::string> cells;
  for (const LabeledScan& scan : dataset.scans) cells.insert(scan.sample.zone_id);
  domain::Store store{kStore, "Labeled dataset", {}};
  for (const std::string& cell : cells) {
    domain::Zone zone{cell, kStore, domain::ZoneKind::kTable, cell};
    if (const auto at = cell_position(cell))
      zone.position = domain::FloorPosition{static_cast<double>(at->first), static_cast<double>(at->second)};
    store.zones.push_back(std::move(zone));
  }
  return store;
}

SequenceResult replay_sequences(const LabeledDataset& dataset, std::size_t from_report,
                                const domain::ZoneModelSettings& settings) {
  const domain::Store store = grid_store(dataset);
  std::vector<const domain::Beacon*> beacons;
  for (const domain::Beacon& beacon : dataset.beacons) beacons.push_back(&beacon);
  auto beacon_of = [&dataset](const domain::BeaconKey& key) -> const domain::Beacon* {
    const auto it = std::find_if(dataset.beacons.begin(), dataset.beacons.end(),
                                 [&key](const domain::Beacon& b) { return b.key == key; });
    return it == dataset.beacons.end() ? nullptr : &*it;
  };
  const domain::ZoneResolver resolver;

  std::set<std::string> days;
  for (const LabeledScan& scan : dataset.scans) days.insert(scan.day);
  SequenceResult result;
  result.days = days.size();
  for (const std::string& day : days) {
    domain::StoreFingerprints calibration{kStore, {}};
    std::vector<const LabeledScan*> calibration_scans;
    std::set<std::string> calibrated_cells;
    std::map<std::string, std::vector<const LabeledScan*>> customers;  // cell -> that day's scans
    for (const LabeledScan& scan : dataset.scans) {
      if (scan.day == day) {
        customers[scan.sample.zone_id].push_back(&scan);
        continue;
      }
      calibration.samples.push_back(scan.sample);
      calibration_scans.push_back(&scan);
      calibrated_cells.insert(scan.sample.zone_id);
    }
    auto model = domain::ZoneModel::build(store, beacons, &calibration, settings);
    auto knn3 = domain::FingerprintClassifier::build(calibration, beacon_of, domain::FingerprintSettings{.k = 3});
    auto knn1 = domain::FingerprintClassifier::build(calibration, beacon_of, domain::FingerprintSettings{.k = 1});
    if (!model || !knn3 || !knn1) continue;
    const StrongestBeacon strongest(calibration_scans);

    for (auto& [cell, scans] : customers) {
      ++result.customers;
      std::stable_sort(scans.begin(), scans.end(),
                       [](const LabeledScan* a, const LabeledScan* b) { return a->second_of_day < b->second_of_day; });
      domain::ResolverState state;
      std::string answer;
      for (std::size_t i = 0; i < scans.size(); ++i) {
        const LabeledScan& scan = *scans[i];
        const domain::Timestamp at = kDayStart + std::chrono::seconds{scan.second_of_day};
        std::vector<domain::KnownSighting> report;
        for (const auto& reading : scan.sample.readings) {
          if (const domain::Beacon* beacon = beacon_of(reading.beacon))
            report.push_back(domain::KnownSighting{beacon, reading.rssi, std::nullopt, at});
        }
        // A phone that heard nothing sends nothing: the last answer stands.
        if (!report.empty()) answer = resolver.resolve(state, report, at, &*model).zone_id;
        const bool scored = i + 1 >= from_report || (scans.size() < from_report && i + 1 == scans.size());
        if (!scored) continue;
        ++result.answers;
        if (!calibrated_cells.contains(cell)) ++result.unseen_cells;
        score(result.filter, answer, cell);
        score(result.knn3, knn(*knn3, dataset.beacons, scan.sample), cell);
        score(result.knn1, knn(*knn1, dataset.beacons, scan.sample), cell);
        score(result.strongest, strongest.classify(scan.sample), cell);
      }
    }
  }
  return result;
}

}  // namespace tastesync::bench
