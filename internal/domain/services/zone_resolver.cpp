#include "domain/services/zone_resolver.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

namespace tastesync::domain {
namespace {

constexpr double kUnheard = -std::numeric_limits<double>::infinity();

// A reading re-expressed relative to the beacon's own 1 m power, so one
// filter can absorb readings whose advertised tx power differs (a firmware
// change, or one phone reporting tx and another not).
double normalised_rssi(const KnownSighting& sighting) {
  const int tx_power = sighting.tx_power.value_or(sighting.beacon->tx_power_1m);
  return static_cast<double>(sighting.rssi) + sighting.beacon->calibration_offset_db - static_cast<double>(tx_power);
}

struct ZoneLevel {
  const std::string* zone_id = nullptr;
  double level = kUnheard;  // normalised RSSI of the zone's strongest beacon
};

// The loudest zone other than `excluded`. Ties go to the earlier track, which
// keeps the answer a function of the input order alone.
ZoneLevel strongest_zone(const std::vector<BeaconTrack>& tracks, std::string_view excluded) {
  ZoneLevel best;
  for (const BeaconTrack& track : tracks) {
    if (track.zone_id == excluded) continue;
    if (best.zone_id == nullptr || track.filtered_rssi > best.level)
      best = ZoneLevel{&track.zone_id, track.filtered_rssi};
  }
  return best;
}

// A zone is as close as its nearest beacon.
double zone_level(const std::vector<BeaconTrack>& tracks, std::string_view zone_id) {
  double level = kUnheard;
  for (const BeaconTrack& track : tracks) {
    if (track.zone_id == zone_id) level = std::max(level, track.filtered_rssi);
  }
  return level;
}

bool zone_fresh(const std::vector<BeaconTrack>& tracks, std::string_view zone_id) {
  return std::any_of(tracks.begin(), tracks.end(),
                     [zone_id](const BeaconTrack& t) { return t.fresh && t.zone_id == zone_id; });
}

void fold(std::vector<BeaconTrack>& tracks, const KnownSighting& sighting, double alpha) {
  const double reading = normalised_rssi(sighting);
  auto track = std::find_if(tracks.begin(), tracks.end(),
                            [&sighting](const BeaconTrack& t) { return t.beacon == sighting.beacon->key; });
  if (track == tracks.end()) {
    tracks.push_back(
        BeaconTrack{sighting.beacon->key, sighting.beacon->zone_id, reading, 1, sighting.observed_at, 0.0, 0, true});
    return;
  }
  // A late, out-of-order reading would drag the filter back in time.
  if (sighting.observed_at < track->last_seen) return;
  track->filtered_rssi += alpha * (reading - track->filtered_rssi);
  ++track->samples;
  track->fresh = true;
  track->last_seen = sighting.observed_at;
  // The registry may have moved the beacon to another zone since.
  if (track->zone_id != sighting.beacon->zone_id) track->zone_id = sighting.beacon->zone_id;
}

void clear_challenger(ResolverState& state) {
  state.challenger_zone_id.clear();
  state.challenger_evidence = 0.0;
  state.challenger_streak = 0;
}

void clear_evidence(std::vector<BeaconTrack>& tracks) {
  for (BeaconTrack& track : tracks) {
    track.evidence = 0.0;
    track.streak = 0;
  }
}

// Every challenger starts over against a new incumbent.
void take_over(ResolverState& state, const std::string& zone_id, double dominance) {
  state.incumbent_zone_id = zone_id;
  state.incumbent_tenure = 0;
  state.incumbent_dominance = dominance;
  clear_challenger(state);
  clear_evidence(state.tracks);
}

void promote_challenger(ResolverState& state, double dominance) {
  state.incumbent_zone_id.swap(state.challenger_zone_id);
  state.incumbent_tenure = 0;
  state.incumbent_dominance = dominance;
  clear_challenger(state);
  clear_evidence(state.tracks);
}

// Keeps the vectors' capacity: a customer changing store is no reason to
// allocate again.
void reset_for_store(ResolverState& state, const std::string& store_id) {
  state.store_id = store_id;
  state.tracks.clear();
  state.incumbent_zone_id.clear();
  state.incumbent_tenure = 0;
  state.incumbent_dominance = 0.0;
  clear_challenger(state);
  state.belief = ZoneBelief{};
}

}  // namespace

ZoneResolver::ZoneResolver(const ResolverSettings& settings) : settings_(settings) {}

double ZoneResolver::distance_m(const Beacon& beacon, double rssi, std::optional<int> tx_power) const {
  const double tx = static_cast<double>(tx_power.value_or(beacon.tx_power_1m));
  return std::pow(10.0, (tx - (rssi + beacon.calibration_offset_db)) / (10.0 * settings_.path_loss_exponent));
}

double ZoneResolver::level_to_distance_m(double level) const {
  return std::pow(10.0, -level / (10.0 * settings_.path_loss_exponent));
}

void ZoneResolver::update_incumbent(ResolverState& state) const {
  const ZoneLevel candidate = strongest_zone(state.tracks, {});
  if (candidate.zone_id == nullptr) return;  // nothing heard: keep the last answer
  if (state.incumbent_zone_id.empty()) {
    take_over(state, *candidate.zone_id, 0.0);
    return;
  }
  ++state.incumbent_tenure;
  update_dominance(state);
  const double required = settings_.switch_evidence_db + state.incumbent_dominance;
  const BeaconTrack* best = accumulate_evidence(state, required);
  clear_challenger(state);
  if (best == nullptr) return;
  state.challenger_zone_id = best->zone_id;
  state.challenger_evidence = best->evidence;
  state.challenger_streak = best->streak;
  if (best->evidence >= required && best->streak >= settings_.dwell_sightings) {
    // The winner starts with the cushion it earned beyond the bar, so the
    // loser cannot win it straight back on the next noisy reading.
    const double cushion = std::min(best->evidence - settings_.switch_evidence_db, settings_.max_dominance_db);
    promote_challenger(state, std::max(0.0, cushion * settings_.cushion_share));
  }
}

// The incumbent's own CUSUM: how far it has out-shouted its closest rival,
// summed over sightings and capped. A zone the customer walked past never
// builds much; one they sit at reaches the cap within seconds.
void ZoneResolver::update_dominance(ResolverState& state) const {
  const double incumbent = zone_level(state.tracks, state.incumbent_zone_id);
  const ZoneLevel rival = strongest_zone(state.tracks, state.incumbent_zone_id);
  if (incumbent == kUnheard) {
    state.incumbent_dominance = 0.0;
    return;
  }
  if (!zone_fresh(state.tracks, state.incumbent_zone_id) &&
      (rival.zone_id == nullptr || !zone_fresh(state.tracks, *rival.zone_id))) {
    return;  // nothing new heard from either
  }
  const double lead = rival.zone_id == nullptr ? settings_.max_dominance_db : incumbent - rival.level;
  state.incumbent_dominance = std::clamp(state.incumbent_dominance + lead, 0.0, settings_.max_dominance_db);
}

// One CUSUM step per beacon outside the incumbent zone: its lead beyond the
// margin adds up, a lead below the margin drains it, and at zero it is
// forgotten. Returns the beacon with the most evidence, if any has some.
const BeaconTrack* ZoneResolver::accumulate_evidence(ResolverState& state, double required) const {
  const double incumbent = zone_level(state.tracks, state.incumbent_zone_id);
  const bool incumbent_fresh = zone_fresh(state.tracks, state.incumbent_zone_id);
  const BeaconTrack* best = nullptr;
  for (BeaconTrack& track : state.tracks) {
    if (track.zone_id == state.incumbent_zone_id) {
      track.evidence = 0.0;
      track.streak = 0;
      continue;
    }
    if (!track.fresh && !incumbent_fresh) {
      // Nothing new on either side (dropped advertisements): no new evidence.
      if (track.evidence > 0.0 && (best == nullptr || track.evidence > best->evidence)) best = &track;
      continue;
    }
    // An incumbent no longer heard at all (e.g. set by a table QR scan, or
    // its tracks expired) cannot defend itself: challengers only dwell.
    const double lead = incumbent == kUnheard ? required + settings_.switch_margin_db : track.filtered_rssi - incumbent;
    track.evidence = std::max(0.0, track.evidence + lead - settings_.switch_margin_db);
    track.streak = track.evidence > 0.0 ? track.streak + 1 : 0;
    if (track.evidence > 0.0 && (best == nullptr || track.evidence > best->evidence)) best = &track;
  }
  return best;
}

ZoneDecision ZoneResolver::resolve(ResolverState& state, std::span<const KnownSighting> sightings, Timestamp now,
                                   const ZoneModel* model) const {
  if (!sightings.empty() && state.store_id != sightings.front().beacon->store_id) {
    reset_for_store(state, sightings.front().beacon->store_id);
  }
  std::erase_if(state.tracks, [&](const BeaconTrack& track) { return now - track.last_seen > settings_.stale_after; });
  for (BeaconTrack& track : state.tracks) track.fresh = false;
  for (const KnownSighting& sighting : sightings) {
    if (sighting.beacon->store_id != state.store_id) continue;  // callers filter; stay safe if not
    if (now - sighting.observed_at > settings_.stale_after) continue;
    fold(state.tracks, sighting, settings_.smoothing_alpha);
  }
  if (model != nullptr && model->store_id() == state.store_id) return filter(state, sightings, now, *model);
  update_incumbent(state);
  return decide(state);
}

// The zone filter's step: the belief moves, the answer is the most probable
// zone (one report ago, smoothed with this one). The belief restarts when it does not fit the model (a new customer,
// a floor plan edited since, a state reset to an incumbent set from outside).
ZoneDecision ZoneResolver::filter(ResolverState& state, std::span<const KnownSighting> sightings, Timestamp now,
                                  const ZoneModel& model) const {
  std::vector<HeardLevel> report;
  report.reserve(sightings.size());
  // The report's time is when its readings were taken (never after `now`),
  // not when it reached us: the same report gives the same belief on any
  // instance and over either transport.
  Timestamp taken{};
  for (const KnownSighting& sighting : sightings) {
    if (sighting.beacon->store_id != state.store_id || now - sighting.observed_at > settings_.stale_after) continue;
    report.push_back(HeardLevel{model.column(sighting.beacon->key), normalised_rssi(sighting)});
    taken = std::max(taken, std::min(sighting.observed_at, now));
  }
  if (report.empty()) taken = now;
  const bool first_report = !belief_fits(model, state.belief);
  if (first_report) {
    start_belief(model, state.belief,
                 state.incumbent_zone_id.empty() ? std::nullopt : model.zone_index(state.incumbent_zone_id), taken);
  }
  const ZoneEstimate estimate = fold_report(model, state.belief, report, taken, first_report).one_report_ago;
  if (state.incumbent_zone_id != model.zone(estimate.zone).id) {
    state.incumbent_zone_id = model.zone(estimate.zone).id;
    state.incumbent_tenure = 0;
  } else {
    ++state.incumbent_tenure;
  }
  ZoneDecision decision = decide(state);  // store, zone, and the nearest beacon's distance if the zone has one
  decision.confidence = estimate.probability;
  return decision;
}

ZoneDecision ZoneResolver::decide(const ResolverState& state) const {
  ZoneDecision decision;
  decision.store_id = state.store_id;
  decision.zone_id = state.incumbent_zone_id;
  if (state.incumbent_zone_id.empty()) return decision;
  const double incumbent = zone_level(state.tracks, state.incumbent_zone_id);
  if (incumbent == kUnheard) {
    decision.distance_m = std::numeric_limits<double>::infinity();
    return decision;
  }
  decision.distance_m = level_to_distance_m(incumbent);
  const ZoneLevel runner_up = strongest_zone(state.tracks, state.incumbent_zone_id);
  // 1 - d_zone / d_runner_up: 0 when the two are equally close (or the
  // runner-up is closer), 1 when nothing else is heard.
  decision.confidence = runner_up.zone_id == nullptr
                            ? 1.0
                            : std::clamp(1.0 - decision.distance_m / level_to_distance_m(runner_up.level), 0.0, 1.0);
  return decision;
}

}  // namespace tastesync::domain
