#pragma once

// The labeled dataset replayed as customers: each cell's scans of one day, in
// time order, are one customer standing there, placed by the domain's zone
// filter (ZoneResolver with a ZoneModel, as Identify runs it) calibrated on
// every other day (leave-one-day-out, so near-identical consecutive scans of
// one session never sit on both sides). The same answers are scored for the
// per-scan baselines: kNN on the calibration (k = 3, the service's earlier
// default, and k = 1) and the strongest beacon; and the sequences for the
// sticky HMM the owners measured their data set with (sticky_hmm.h).

#include <cstddef>
#include <functional>
#include <string>

#include "accuracy/labeled_dataset.h"
#include "domain/entities/zone.h"
#include "domain/services/zone_emissions.h"

namespace tastesync::bench {

// Right answers: exact cell, and that cell or one of its 8 neighbours.
// And, where the data has floors, answers on the right floor.
struct Hits {
  std::size_t exact = 0;
  std::size_t near = 0;
  std::size_t floor = 0;
};

// The floor a zone is on (replay_halves' `floor_of`).
using FloorOf = std::function<int(const std::string& zone_id)>;

struct SequenceResult {
  std::size_t days = 0;          // folds
  std::size_t customers = 0;     // (day, cell) sequences
  std::size_t answers = 0;       // scored answers
  std::size_t unseen_cells = 0;  // scored answers of cells no other day recorded
  Hits filter;
  Hits sticky_hmm;
  Hits knn3;
  Hits knn1;
  Hits strongest;
};

// The data set as a store: every cell a zone, placed on the grid.
domain::Store grid_store(const LabeledDataset& dataset);

// Scores every answer from a customer's `from_report`-th report on (1-based);
// a shorter sequence scores its last answer, so every customer counts.
SequenceResult replay_sequences(const LabeledDataset& dataset, std::size_t from_report,
                                const domain::ZoneModelSettings& settings = {});

// The owners' protocol instead: each cell's scans in the order recorded, the
// first half (rounded up) calibrates, the second half is one customer
// standing there, reporting a scan a second. Consecutive scans of a session
// sit on both sides of the split, as when staff record a zone and a customer
// sits there the same day. `store`: the dataset's zones (grid_store, or a
// simulated building's own).
// `floor_of`: scores Hits::floor when given.
SequenceResult replay_halves(const LabeledDataset& dataset, const domain::Store& store, std::size_t from_report,
                             const domain::ZoneModelSettings& settings = {}, const FloorOf& floor_of = nullptr);

}  // namespace tastesync::bench
