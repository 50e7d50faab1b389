#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/sighting.h"
#include "domain/entities/zone.h"
#include "domain/entities/zone_belief.h"

namespace tastesync::domain {

// Where a customer is now, within one visit.
struct Presence {
  std::string visit_id;
  std::string store_id;
  std::string zone_id;
  ZoneKind zone_kind = ZoneKind::kEntrance;
  Timestamp visit_started_at{};
  Timestamp zone_since{};
  Timestamp last_seen{};
};

// The smoothed reading of one beacon for one customer.
struct BeaconTrack {
  BeaconKey beacon;
  std::string zone_id;  // the beacon's zone, so unheard tracks still count
  // Smoothed reading normalised to the beacon's 1 m power and calibration:
  // rssi + calibration_offset_db - tx_power_1m (dB, 0 at 1 m, negative beyond).
  double filtered_rssi = 0.0;
  int samples = 0;  // readings folded into filtered_rssi
  Timestamp last_seen{};
  // Accumulated lead of this beacon over the incumbent zone (dB summed over
  // sightings, CUSUM); kept per beacon so neighbours never pool evidence.
  double evidence = 0.0;
  int streak = 0;  // consecutive sightings evidence stayed positive
  // Whether the last update brought a reading of this beacon; a held value
  // must not be counted as evidence twice.
  bool fresh = false;
};

// What the zone resolver remembers between two sightings of a customer. It is
// plain data so any instance can continue where another left off (it travels
// with the presence record).
struct ResolverState {
  std::string store_id;
  std::vector<BeaconTrack> tracks;
  std::string incumbent_zone_id;  // the zone we currently place the customer in
  // The best-placed challenger after the last update (a copy of its
  // strongest beacon's evidence, for logs and for callers).
  std::string challenger_zone_id;    // a zone that has been beating it
  double challenger_evidence = 0.0;  // accumulated lead of the challenger (dB)
  int challenger_streak = 0;         // consecutive sightings it has led
  int incumbent_tenure = 0;          // sightings since the incumbent took over
  double incumbent_dominance = 0.0;  // the incumbent's capped summed lead (dB)
  // The zone filter's belief (stores with a zone model). Whoever sets the
  // incumbent from outside (a table QR scan, the ledger) starts a fresh
  // state, and an empty belief restarts at the incumbent.
  ZoneBelief belief;
};

// Everything stored per customer between requests.
struct PresenceRecord {
  std::optional<Presence> presence;
  ResolverState resolver;
  // Optimistic concurrency: a store rejects a save whose version is not the
  // one it loaded, so two instances never both apply a transition.
  std::uint64_t version = 0;

  // The visit ledger decides where a customer is; this record is a cache of
  // it. `confirmed` (set by the store on load, asked for on save) says the
  // record's presence is what the ledger holds: it was written by someone
  // who knew that, and nothing since can have changed the ledger behind its
  // back. Anything else (a record never seen, read from a local fallback
  // copy, read after the cache was out of reach, left by a writer that
  // stopped between the ledger and the cache) is checked against the ledger
  // before an answer relies on it.
  bool confirmed = false;
  // While in the future, a writer is changing this customer's ledger entry
  // (set before the ledger transaction, cleared after it): nobody else may
  // confirm the record until then. A writer that died leaves it to lapse.
  Timestamp ledger_hold_until{};
  // The cache generation the record was read under; opaque outside the
  // store, which refuses to confirm a record across a change of generation.
  std::string cache_epoch;
};

}  // namespace tastesync::domain
