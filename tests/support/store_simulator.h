#pragma once

// A store simulator for measuring zone accuracy: customers walk in, wait at
// the entrance, walk to a table, sit, sometimes change table, and leave,
// while their phone reports the beacons it hears (SyntheticStore's path-loss
// model, noise, drops and body shadowing). Every report goes through the
// real domain resolver; the result is one track per customer pairing what
// they really did with what the resolver answered, for accuracy_metrics.h.
//
// Everything derives from the store's seed: the same settings give the same
// tracks.

#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "domain/entities/fingerprint.h"
#include "domain/services/zone_resolver.h"
#include "support/synthetic_store.h"

namespace tastesync::testing {

enum class Activity { kWaiting, kWalking, kSeated };

// What the customer really does at one report.
struct Truth {
  Activity activity = Activity::kWaiting;
  std::string zone_id;  // the entrance while waiting, the table while seated, empty while walking
  int seating = -1;     // 0 for the first table, 1 after a change; -1 unless seated
};

// One report of a customer: the truth, and the zone the resolver answered
// (empty until it answered anything).
struct TrackPoint {
  domain::Timestamp at{};
  Truth truth;
  std::string answered;
};

struct CustomerTrack {
  std::vector<TrackPoint> points;  // one per report; the customer leaves after the last
};

struct SimulationSettings {
  SyntheticStoreConfig store;
  int customers = 200;
  // How long a customer waits at the entrance (uniform, whole reports).
  std::chrono::seconds min_wait{3};
  std::chrono::seconds max_wait{10};
  // The first stay is one stationary hour; a share of the customers then
  // moves to another table for second_stay.
  std::chrono::seconds first_stay{3600};
  double change_table_share = 0.3;
  std::chrono::seconds second_stay{600};
  double walk_speed_mps = 1.0;
};

// The resolver under test: the domain's ZoneResolver, with a store's zone
// model (the zone filter, as Identify runs it) or without (the older
// nearest-beacon rule).
using ResolveFn = std::function<domain::ZoneDecision(domain::ResolverState&, std::span<const domain::KnownSighting>,
                                                     domain::Timestamp)>;

// A resolver function calling `service` without a zone model.
ResolveFn path_loss_resolver(const domain::ZoneResolver& service);
// ... and with a store's zone model (which must outlive it).
ResolveFn zone_filter_resolver(const domain::ZoneResolver& service, const domain::ZoneModel& model);

// What staff record when calibrating `config`'s store: `scans_per_zone`
// reports at the entrance spot and at each seat, facing the way customers
// do, with noise drawn from `seed` (not the customers' seed: calibration and
// use are different moments).
domain::StoreFingerprints calibration_walk(SyntheticStoreConfig config, int scans_per_zone, std::uint64_t seed);

class StoreSimulator {
 public:
  explicit StoreSimulator(SimulationSettings settings);

  const SimulationSettings& settings() const { return settings_; }
  SyntheticStore& store() { return store_; }

  // Runs every customer, one after another, each with a fresh resolver state.
  std::vector<CustomerTrack> run(const ResolveFn& resolve);

 private:
  struct Step {
    Point position;
    Point heading;
    Truth truth;
  };
  std::vector<Step> script_customer();
  void walk(std::vector<Step>& steps, Point from, Point to) const;
  void stay(std::vector<Step>& steps, Point at, Point heading, std::chrono::seconds how_long, Truth truth) const;

  SimulationSettings settings_;
  SyntheticStore store_;
  std::mt19937_64 script_rng_;  // scripts draw apart from the radio noise
};

}  // namespace tastesync::testing
