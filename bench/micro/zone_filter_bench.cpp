// What one zone filter step costs (transition, emissions, normalisation and
// the quantised belief) in a 30-zone store (entrance + 29 tables, one beacon
// each, a phone hearing those in range), uncalibrated and calibrated, and
// the whole resolve() around it. The budget: well under 50 us per
// report. The numbers go to docs/performance.md.

#include <benchmark/benchmark.h>

#include <vector>

#include "domain/entities/floor_plan.h"
#include "domain/services/zone_resolver.h"
#include "support/store_simulator.h"
#include "support/synthetic_store.h"

namespace {

using namespace tastesync;

testing::SyntheticStoreConfig thirty_zones() {
  testing::SyntheticStoreConfig config;
  config.tables = 29;
  config.drop_probability = 0.1;
  return config;
}

// `kernel_weight`: negative lets the calibration choose (here: the per-beacon
// model, the simulated readings being independent); 1 forces the kernel
// density over the recorded scans, the dearer emission.
void run(benchmark::State& state, bool calibrated, double kernel_weight = -1.0) {
  const testing::SyntheticStoreConfig config = thirty_zones();
  testing::SyntheticStore store(config);
  std::vector<domain::StoreFingerprints> calibration;
  if (calibrated) calibration.push_back(testing::calibration_walk(config, 30, 99));
  domain::ZoneModelSettings settings;
  settings.kernel_weight = kernel_weight;
  const domain::FloorPlan plan =
      domain::FloorPlan::build({store.store()}, store.beacons(), calibration, {}, settings).value();
  const domain::ZoneModel& model = *plan.find_zone_model(config.store_id);
  // Reports of a customer seated at table 15, pre-drawn so the benchmark
  // measures the filter, not the simulator.
  std::vector<std::vector<domain::KnownSighting>> reports(256);
  for (std::size_t i = 0; i < reports.size(); ++i) store.report(store.seat(15), store.report_time(i), reports[i]);
  const domain::ZoneResolver resolver;
  domain::ResolverState resolver_state;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& report = reports[i % reports.size()];
    // Time moves on; each report is one second after the last.
    std::vector<domain::KnownSighting> now = report;
    const domain::Timestamp at = store.report_time(i);
    for (auto& s : now) s.observed_at = at;
    benchmark::DoNotOptimize(resolver.resolve(resolver_state, now, at, &model));
    ++i;
  }
  state.counters["zones"] = static_cast<double>(model.zones());
  state.counters["belief_bytes"] = static_cast<double>(resolver_state.belief.weights.size() * 2 + 16);
}

void BM_ZoneFilterThirtyZonesPathLoss(benchmark::State& state) { run(state, false); }
void BM_ZoneFilterThirtyZonesCalibrated(benchmark::State& state) { run(state, true); }
void BM_ZoneFilterThirtyZonesCalibratedKernel(benchmark::State& state) { run(state, true, 1.0); }
BENCHMARK(BM_ZoneFilterThirtyZonesPathLoss);
BENCHMARK(BM_ZoneFilterThirtyZonesCalibrated);
BENCHMARK(BM_ZoneFilterThirtyZonesCalibratedKernel);

}  // namespace
