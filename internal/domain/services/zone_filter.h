#pragma once

// The zone filter: a hidden-Markov forward filter over a store's zones. Each
// report moves the customer's belief one step: first the transition model
// (time passed, so they may have walked to a neighbouring zone), then the
// emission model (how well each zone explains what the phone heard), then
// normalised. The answer is the most probable zone and its posterior
// probability. Staying put is what the transition model expects, so a few
// noisy reports do not move a seated customer while a walk that keeps
// pointing elsewhere does: the hysteresis is the model's, not a rule's.
// See zone_model.h for both models and docs/accuracy.md for the figures.

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "domain/entities/sighting.h"
#include "domain/entities/zone_belief.h"
#include "domain/services/zone_model.h"

namespace tastesync::domain {

// One beacon heard in a report: its column in the model and its level (dB
// relative to the beacon's 1 m power). A column may appear more than once;
// its readings are averaged.
struct HeardLevel {
  int column = 0;
  double level = 0.0;
};

struct ZoneEstimate {
  std::size_t zone = 0;      // index into the model's zones
  double probability = 0.0;  // its posterior probability, 0..1
};

// ln P(report | zone) for every zone of the model (the emission model alone).
std::vector<double> zone_log_likelihoods(const ZoneModel& model, std::span<const HeardLevel> report);

// Starts `belief` over: certain of `zone` (a table QR scan, the ledger's
// place) or, without one, the model's first-sighting prior.
void start_belief(const ZoneModel& model, ZoneBelief& belief, std::optional<std::size_t> zone, Timestamp now);

// Whether `belief` belongs to `model`'s zone list (and can be updated).
bool belief_fits(const ZoneModel& model, const ZoneBelief& belief);

// What one report tells: where the customer most probably is now (the
// filter), and where they most probably were at the previous report now
// that this one is known too (a one-report fixed-lag smoother). The second
// is the better answer: a single odd report barely moves it, because a move
// and a move straight back is far less likely than one noisy report, while a
// real move shows in the next report too. Each comes with its posterior
// probability.
struct ZoneStep {
  ZoneEstimate now;
  ZoneEstimate one_report_ago;  // == now for a belief's first report
};

// Folds one report taken at `at` into a belief that fits the model (every
// store beacon missing from it counts as not heard). `first_report`: the
// belief was just started for this report (no time passes, nothing to
// smooth). Deterministic.
ZoneStep fold_report(const ZoneModel& model, ZoneBelief& belief, std::span<const HeardLevel> report, Timestamp at,
                     bool first_report = false);

}  // namespace tastesync::domain
