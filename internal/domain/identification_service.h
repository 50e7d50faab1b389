#pragma once

// Resolves a customer's beacon sightings to the zone they are in, and keeps
// that answer stable: per-beacon RSSI smoothing, a calibrated log-distance
// path-loss model, and an incumbent-vs-challenger rule (margin + dwell) so a
// seated customer does not flap between neighbouring tables. See DESIGN.md,
// "Zones, smoothing and stability".

#include <chrono>
#include <optional>
#include <span>
#include <string>

#include "domain/beacon.h"
#include "domain/presence.h"
#include "domain/sighting.h"

namespace tastesync::domain {

struct ResolverSettings {
  // Weight of a new reading in the per-beacon exponential filter (0..1].
  double smoothing_alpha = 0.5;
  // Log-distance path-loss exponent n: rssi = tx_1m - 10 n log10(d).
  double path_loss_exponent = 2.0;
  // A challenger must look closer than the incumbent by this much (dB) ...
  double switch_margin_db = 4.0;
  // ... for this many consecutive sightings.
  int dwell_sightings = 2;
  // Readings older than this no longer count (the phone walked away).
  std::chrono::seconds stale_after{10};
};

// A sighting whose beacon the registry knows.
struct KnownSighting {
  const Beacon* beacon = nullptr;  // never null
  int rssi = 0;
  std::optional<int> tx_power;     // overrides beacon->tx_power_1m when present
  Timestamp observed_at{};
};

struct ZoneDecision {
  std::string store_id;
  std::string zone_id;       // the incumbent after this update
  double confidence = 0.0;   // 0..1: how clearly this zone beats the next one
  double distance_m = 0.0;   // estimated distance to the zone's nearest beacon
};

class IdentificationService {
 public:
  explicit IdentificationService(ResolverSettings settings = {});

  // Folds `sightings` (all of one store, non-empty) into `state` and returns
  // the zone the customer is in now. Deterministic: same state and input,
  // same answer.
  ZoneDecision resolve(ResolverState& state, std::span<const KnownSighting> sightings, Timestamp now) const;

  // Estimated distance (m) for a smoothed reading of `beacon`.
  double distance_m(const Beacon& beacon, double rssi, std::optional<int> tx_power = std::nullopt) const;

  const ResolverSettings& settings() const { return settings_; }

 private:
  ResolverSettings settings_;
};

}  // namespace tastesync::domain
