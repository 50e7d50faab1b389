#include "support/store_simulator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tastesync::testing {
namespace {

// Scripts use their own generator so that changing the radio (noise, drops)
// keeps every customer's itinerary.
constexpr std::uint64_t kScriptSalt = 0x5eed'5c21'97a1'0000ULL;

std::size_t reports_in(std::chrono::seconds span, std::chrono::milliseconds interval) {
  return static_cast<std::size_t>(std::max<std::int64_t>(1, span / interval));
}

}  // namespace

ResolveFn path_loss_resolver(const domain::ZoneResolver& service) {
  return [&service](domain::ResolverState& state, std::span<const domain::KnownSighting> sightings,
                    domain::Timestamp now) { return service.resolve(state, sightings, now); };
}

ResolveFn zone_filter_resolver(const domain::ZoneResolver& service, const domain::ZoneModel& model) {
  return [&service, &model](domain::ResolverState& state, std::span<const domain::KnownSighting> sightings,
                            domain::Timestamp now) { return service.resolve(state, sightings, now, &model); };
}

domain::StoreFingerprints calibration_walk(SyntheticStoreConfig config, int scans_per_zone, std::uint64_t seed) {
  config.seed = seed;
  SyntheticStore store(std::move(config));
  domain::StoreFingerprints fingerprints{store.config().store_id, {}};
  std::vector<domain::KnownSighting> report;
  auto record = [&](const std::string& zone_id, Point spot, Point heading) {
    for (int i = 0; i < scans_per_zone; ++i) {
      store.report(spot, heading, store.report_time(static_cast<std::size_t>(i)), report);
      domain::FingerprintSample sample{zone_id, {}};
      for (const domain::KnownSighting& s : report) sample.readings.push_back({s.beacon->key, s.rssi});
      fingerprints.samples.push_back(std::move(sample));
    }
  };
  record(entrance_zone_id(), store.entrance_spot(), Point{1.0, 0.0});
  for (int table = 1; table <= store.config().tables; ++table) {
    record(table_zone_id(table), store.seat(table), Point{0.0, -1.0});
  }
  return fingerprints;
}

StoreSimulator::StoreSimulator(SimulationSettings settings)
    : settings_(std::move(settings)), store_(settings_.store), script_rng_(settings_.store.seed ^ kScriptSalt) {
  if (settings_.customers < 1) throw std::invalid_argument("a simulation needs at least one customer");
  if (settings_.min_wait > settings_.max_wait) throw std::invalid_argument("min_wait is longer than max_wait");
  if (settings_.walk_speed_mps <= 0.0) throw std::invalid_argument("walking speed must be positive");
}

void StoreSimulator::walk(std::vector<Step>& steps, Point from, Point to) const {
  const double length = distance_between(from, to);
  if (length <= 0.0) return;
  const double step = settings_.walk_speed_mps * std::chrono::duration<double>(settings_.store.report_interval).count();
  const Point heading{to.x - from.x, to.y - from.y};
  // Positions strictly between the two ends: the next activity's first
  // report is taken at `to`.
  const auto count = static_cast<int>(std::max(1.0, std::ceil(length / step - 1e-9)));
  for (int i = 1; i < count; ++i) {
    const double t = static_cast<double>(i) * step / length;
    steps.push_back(
        Step{Point{from.x + heading.x * t, from.y + heading.y * t}, heading, Truth{Activity::kWalking, "", -1}});
  }
}

void StoreSimulator::stay(std::vector<Step>& steps, Point at, Point heading, std::chrono::seconds how_long,
                          Truth truth) const {
  const std::size_t reports = reports_in(how_long, settings_.store.report_interval);
  for (std::size_t i = 0; i < reports; ++i) steps.push_back(Step{at, heading, truth});
}

std::vector<StoreSimulator::Step> StoreSimulator::script_customer() {
  const int tables = settings_.store.tables;
  std::uniform_int_distribution<int> pick_table(1, tables);
  std::uniform_int_distribution<std::int64_t> pick_wait(settings_.min_wait.count(), settings_.max_wait.count());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int first = pick_table(script_rng_);
  const auto wait = std::chrono::seconds{pick_wait(script_rng_)};
  const bool changes = tables > 1 && unit(script_rng_) < settings_.change_table_share;
  int second = first;
  while (changes && second == first) second = pick_table(script_rng_);

  // Waiting, the customer faces into the store; seated, the table (its
  // beacon is under the table top, towards -y from the seat).
  const Point into_store{1.0, 0.0};
  const Point towards_table{0.0, -1.0};
  std::vector<Step> steps;
  const Point entrance = store_.entrance_spot();
  stay(steps, entrance, into_store, wait, Truth{Activity::kWaiting, entrance_zone_id(), -1});
  walk(steps, entrance, store_.seat(first));
  stay(steps, store_.seat(first), towards_table, settings_.first_stay,
       Truth{Activity::kSeated, table_zone_id(first), 0});
  Point last = store_.seat(first);
  if (changes) {
    walk(steps, last, store_.seat(second));
    stay(steps, store_.seat(second), towards_table, settings_.second_stay,
         Truth{Activity::kSeated, table_zone_id(second), 1});
    last = store_.seat(second);
  }
  // Out through the entrance; the last report is taken there.
  walk(steps, last, entrance);
  steps.push_back(Step{entrance, Point{-1.0, 0.0}, Truth{Activity::kWalking, "", -1}});
  return steps;
}

std::vector<CustomerTrack> StoreSimulator::run(const ResolveFn& resolve) {
  std::vector<CustomerTrack> tracks;
  tracks.reserve(static_cast<std::size_t>(settings_.customers));
  std::vector<domain::KnownSighting> report;
  for (int customer = 0; customer < settings_.customers; ++customer) {
    const std::vector<Step> steps = script_customer();
    CustomerTrack track;
    track.points.reserve(steps.size());
    domain::ResolverState state;
    std::string answered;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const domain::Timestamp at = store_.report_time(i);
      store_.report(steps[i].position, steps[i].heading, at, report);
      // A phone that heard nothing sends nothing: the last answer stands.
      if (!report.empty()) answered = resolve(state, report, at).zone_id;
      track.points.push_back(TrackPoint{at, steps[i].truth, answered});
    }
    tracks.push_back(std::move(track));
  }
  return tracks;
}

}  // namespace tastesync::testing
