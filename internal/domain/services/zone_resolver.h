#pragma once

// Resolves a customer's beacon sightings to the zone they are in. With the
// store's zone model (every store with zones has one) the zone filter decides
// (zone_filter.h: a belief over the zones, updated per report); the smoothed
// per-beacon tracks are kept beside it for the distance estimate. Without a
// model, the older rule: the nearest beacon by a log-distance path-loss model
// behind an incumbent-vs-challenger rule (margin + dwell). See
// docs/design.md, "How a zone is chosen".

#include <chrono>
#include <optional>
#include <span>
#include <string>

#include "domain/entities/beacon.h"
#include "domain/entities/presence.h"
#include "domain/entities/sighting.h"
#include "domain/services/zone_filter.h"
#include "domain/services/zone_model.h"

namespace tastesync::domain {

struct ResolverSettings {
  // Weight of a new reading in the per-beacon exponential filter (0..1].
  double smoothing_alpha = 0.7;
  // Log-distance path-loss exponent n: rssi = tx_1m - 10 n log10(d).
  double path_loss_exponent = 2.5;
  // A challenger's smoothed lead over the incumbent (dB) counts as evidence
  // only beyond this margin; below it the evidence drains (CUSUM drift).
  double switch_margin_db = 3.0;
  // The challenger must have led for at least this many consecutive sightings.
  int dwell_sightings = 1;
  // Readings older than this no longer count (the phone walked away).
  std::chrono::seconds stale_after{10};
  // A challenger needs switch_evidence_db of evidence (dB summed over
  // sightings) plus the incumbent's dominance: the incumbent's own summed
  // lead over its closest rival, capped at max_dominance_db. A zone the
  // customer only walked past has almost none, so walking is tracked within
  // a sighting or two; a zone they sit at reaches the cap within seconds, so
  // noise does not move them.
  double switch_evidence_db = 4.0;
  double max_dominance_db = 30.0;
  // Share of the evidence beyond the bar a winner keeps as its starting
  // dominance (0..1), so the loser cannot win it straight back.
  double cushion_share = 1.0;
};

// A sighting whose beacon the registry knows.
struct KnownSighting {
  const Beacon* beacon = nullptr;  // never null
  int rssi = 0;
  std::optional<int> tx_power;  // overrides beacon->tx_power_1m when present
  Timestamp observed_at{};
};

struct ZoneDecision {
  std::string store_id;
  std::string zone_id;  // the incumbent after this update
  // With a zone model: the zone's posterior probability (0..1) given every
  // report so far. Without: how clearly this zone beats the next one.
  double confidence = 0.0;
  // Estimated distance to the zone's nearest beacon; infinity while the
  // incumbent is not heard (e.g. just placed by a table QR scan).
  double distance_m = 0.0;
};

class ZoneResolver {
 public:
  explicit ZoneResolver(const ResolverSettings& settings = {});

  // Folds `sightings` (all of one store, non-empty: one report) into `state`
  // and returns the zone the customer is in now. Deterministic: same state
  // and input, same answer. With the store's `model` the zone filter answers
  // (its belief travels in `state`; an incumbent set from outside, e.g. by a
  // table QR scan, restarts it there); without, the nearest beacon behind
  // the incumbent/challenger rule.
  ZoneDecision resolve(ResolverState& state, std::span<const KnownSighting> sightings, Timestamp now,
                       const ZoneModel* model = nullptr) const;

  // Estimated distance (m) for a smoothed reading of `beacon`.
  double distance_m(const Beacon& beacon, double rssi, std::optional<int> tx_power = std::nullopt) const;

  const ResolverSettings& settings() const { return settings_; }

 private:
  void update_incumbent(ResolverState& state) const;
  ZoneDecision filter(ResolverState& state, std::span<const KnownSighting> sightings, Timestamp now,
                      const ZoneModel& model) const;
  const BeaconTrack* accumulate_evidence(ResolverState& state, double required) const;
  ZoneDecision decide(const ResolverState& state) const;
  void update_dominance(ResolverState& state) const;
  // Distance for a normalised level (dB relative to the beacon's 1 m power).
  double level_to_distance_m(double level) const;

  ResolverSettings settings_;
};

}  // namespace tastesync::domain
