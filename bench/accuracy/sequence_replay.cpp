#include "accuracy/sequence_replay.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "accuracy/sticky_hmm.h"
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

void score(Hits& hits, const std::string& answer, const std::string& truth, const FloorOf& floor_of) {
  hits.exact += answer == truth ? 1 : 0;
  hits.near += !answer.empty() && neighbours(answer, truth) ? 1 : 0;
  hits.floor += floor_of && !answer.empty() && floor_of(answer) == floor_of(truth) ? 1 : 0;
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

namespace {

std::vector<const domain::FingerprintSample*> samples_of(const std::vector<const LabeledScan*>& scans) {
  std::vector<const domain::FingerprintSample*> samples;
  for (const LabeledScan* scan : scans) samples.push_back(&scan->sample);
  return samples;
}

// One calibration's filter and baselines, replaying customers against it.
class Replay {
 public:
  Replay(const LabeledDataset& dataset, const domain::Store& store, std::size_t from_report,
         const domain::ZoneModelSettings& settings, const std::vector<const LabeledScan*>& calibration_scans,
         FloorOf floor_of = nullptr)
      : dataset_(dataset),
        floor_of_(std::move(floor_of)),
        from_report_(from_report),
        strongest_(calibration_scans),
        sticky_hmm_(dataset.beacons, samples_of(calibration_scans)) {
    std::vector<const domain::Beacon*> beacons;
    for (const domain::Beacon& beacon : dataset.beacons) beacons.push_back(&beacon);
    domain::StoreFingerprints calibration{store.id, {}};
    for (const LabeledScan* scan : calibration_scans) {
      calibration.samples.push_back(scan->sample);
      calibrated_cells_.insert(scan->sample.zone_id);
    }
    auto beacon_of = [this](const domain::BeaconKey& key) { return this->beacon_of(key); };
    auto model = domain::ZoneModel::build(store, beacons, &calibration, settings);
    auto knn3 = domain::FingerprintClassifier::build(calibration, beacon_of, domain::FingerprintSettings{.k = 3});
    auto knn1 = domain::FingerprintClassifier::build(calibration, beacon_of, domain::FingerprintSettings{.k = 1});
    if (model && knn3 && knn1) {
      model_.emplace(std::move(*model));
      knn3_.emplace(std::move(*knn3));
      knn1_.emplace(std::move(*knn1));
    }
  }

  bool ready() const { return model_.has_value(); }

  // One customer standing at `cell`, reporting `scans` in order at `times`.
  void customer(SequenceResult& result, const std::string& cell, const std::vector<const LabeledScan*>& scans,
                const std::vector<domain::Timestamp>& times) const {
    ++result.customers;
    domain::ResolverState state;
    std::string answer;
    StickyHmm::Customer hmm(sticky_hmm_);
    std::string hmm_answer;
    for (std::size_t i = 0; i < scans.size(); ++i) {
      const LabeledScan& scan = *scans[i];
      std::vector<domain::KnownSighting> report;
      for (const auto& reading : scan.sample.readings) {
        if (const domain::Beacon* beacon = beacon_of(reading.beacon))
          report.push_back(domain::KnownSighting{beacon, reading.rssi, std::nullopt, times[i]});
      }
      // A phone that heard nothing sends nothing: the last answer stands.
      if (!report.empty()) {
        answer = resolver_.resolve(state, report, times[i], &*model_).zone_id;
        hmm_answer = hmm.report(scan.sample);
      }
      const bool scored = i + 1 >= from_report_ || (scans.size() < from_report_ && i + 1 == scans.size());
      if (!scored) continue;
      ++result.answers;
      if (!calibrated_cells_.contains(cell)) ++result.unseen_cells;
      score(result.filter, answer, cell, floor_of_);
      score(result.sticky_hmm, hmm_answer, cell, floor_of_);
      score(result.knn3, knn(*knn3_, dataset_.beacons, scan.sample), cell, floor_of_);
      score(result.knn1, knn(*knn1_, dataset_.beacons, scan.sample), cell, floor_of_);
      score(result.strongest, strongest_.classify(scan.sample), cell, floor_of_);
    }
  }

 private:
  const domain::Beacon* beacon_of(const domain::BeaconKey& key) const {
    const auto it = std::find_if(dataset_.beacons.begin(), dataset_.beacons.end(),
                                 [&key](const domain::Beacon& b) { return b.key == key; });
    return it == dataset_.beacons.end() ? nullptr : &*it;
  }

  const LabeledDataset& dataset_;
  FloorOf floor_of_;
  std::size_t from_report_;
  const domain::ZoneResolver resolver_;
  std::set<std::string> calibrated_cells_;
  std::optional<domain::ZoneModel> model_;
  std::optional<domain::FingerprintClassifier> knn3_;
  std::optional<domain::FingerprintClassifier> knn1_;
  StrongestBeacon strongest_;
  StickyHmm sticky_hmm_;
};

bool recorded_earlier(const LabeledScan* a, const LabeledScan* b) {
  return a->day != b->day ? a->day < b->day : a->second_of_day < b->second_of_day;
}

}  // namespace

SequenceResult replay_sequences(const LabeledDataset& dataset, std::size_t from_report,
                                const domain::ZoneModelSettings& settings) {
  std::set<std::string> days;
  for (const LabeledScan& scan : dataset.scans) days.insert(scan.day);
  SequenceResult result;
  result.days = days.size();
  const domain::Store store = grid_store(dataset);
  for (const std::string& day : days) {
    std::vector<const LabeledScan*> calibration;
    std::map<std::string, std::vector<const LabeledScan*>> customers;  // cell -> that day's scans
    for (const LabeledScan& scan : dataset.scans) {
      if (scan.day == day) {
        customers[scan.sample.zone_id].push_back(&scan);
      } else {
        calibration.push_back(&scan);
      }
    }
    const Replay replay(dataset, store, from_report, settings, calibration);
    if (!replay.ready()) continue;
    for (auto& [cell, scans] : customers) {
      std::stable_sort(scans.begin(), scans.end(), recorded_earlier);
      std::vector<domain::Timestamp> times;
      for (const LabeledScan* scan : scans) times.push_back(kDayStart + std::chrono::seconds{scan->second_of_day});
      replay.customer(result, cell, scans, times);
    }
  }
  return result;
}

SequenceResult replay_halves(const LabeledDataset& dataset, const domain::Store& store, std::size_t from_report,
                             const domain::ZoneModelSettings& settings, const FloorOf& floor_of) {
  std::map<std::string, std::vector<const LabeledScan*>> by_cell;
  for (const LabeledScan& scan : dataset.scans) by_cell[scan.sample.zone_id].push_back(&scan);
  std::vector<const LabeledScan*> calibration;
  std::map<std::string, std::vector<const LabeledScan*>> customers;
  for (auto& [cell, scans] : by_cell) {
    std::stable_sort(scans.begin(), scans.end(), recorded_earlier);
    // A cell of one scan is calibrated and never replayed (no second half).
    const std::size_t half = (scans.size() + 1) / 2;
    calibration.insert(calibration.end(), scans.begin(), scans.begin() + static_cast<std::ptrdiff_t>(half));
    if (half < scans.size()) customers[cell].assign(scans.begin() + static_cast<std::ptrdiff_t>(half), scans.end());
  }
  SequenceResult result;
  result.days = 1;
  const Replay replay(dataset, store, from_report, settings, calibration, floor_of);
  if (!replay.ready()) return result;
  for (const auto& [cell, scans] : customers) {
    // Replayed as a phone held still reports: one scan a second.
    std::vector<domain::Timestamp> times;
    for (std::size_t i = 0; i < scans.size(); ++i) times.push_back(kDayStart + std::chrono::seconds{i});
    replay.customer(result, cell, scans, times);
  }
  return result;
}

}  // namespace tastesync::bench
