#pragma once

// `accuracy_report --trace-flaps SIGMA`: why seated customers flap. Runs one
// simulated column through the zone filter while recording, per report, what
// the phone heard, each zone's (tempered) log-likelihood and the belief over
// the zones' two states afterwards; then prints every flap (a change of
// answer during a seating, once placed) with the reports around it.
// `--trace-slow-arrivals SIGMA` prints instead every seating not placed
// within 2 sightings (the arrival target's misses), saying whether it was the
// customer's first table or a change of table. For diagnosing the filter, not
// a measurement.

#include <string>

#include "domain/services/zone_model.h"
#include "domain/services/zone_resolver.h"
#include "support/store_simulator.h"

namespace tastesync::bench {

enum class Traced { kFlaps, kSlowArrivals };

// `context`: reports shown before each flap or slow arrival (and one after).
std::string trace_flaps(const testing::SimulationSettings& settings, const domain::ZoneResolver& resolver,
                        const domain::ZoneModel& model, std::size_t context, Traced traced = Traced::kFlaps);

}  // namespace tastesync::bench
