#pragma once

// `accuracy_report --trace-flaps SIGMA`: why seated customers flap. Runs one
// simulated column through the zone filter while recording, per report, what
// the phone heard, each zone's (tempered) log-likelihood and the belief over
// the zones' two states afterwards; then prints every flap (a change of
// answer during a seating, once placed) with the reports around it. For
// diagnosing the filter, not a measurement.

#include <string>

#include "domain/services/zone_model.h"
#include "domain/services/zone_resolver.h"
#include "support/store_simulator.h"

namespace tastesync::bench {

// `context`: reports shown before each flap (and one after).
std::string trace_flaps(const testing::SimulationSettings& settings, const domain::ZoneResolver& resolver,
                        const domain::ZoneModel& model, std::size_t context);

}  // namespace tastesync::bench
