#pragma once

// Where the zone filter thinks a customer is: one probability per zone of the
// store, stored compactly because it travels in the customer's presence
// record on every sighting. See services/zone_filter.h.

#include <cstdint>
#include <vector>

#include "domain/entities/sighting.h"

namespace tastesync::domain {

struct ZoneBelief {
  // Which zone list the weights belong to (a hash of the store's zone ids in
  // order); a floor plan edited since makes the belief start over.
  std::uint32_t layout = 0;
  // Per hidden state, two per zone in the store's zone order (passing
  // through, settled): -ln(p / p_max) in 1/256 units, capped at 65535
  // (p / p_max down to about 1e-111); the most probable state holds 0. Four
  // bytes per zone: a 30-zone store's belief is 120 bytes (+ 12).
  std::vector<std::uint16_t> weights;
  Timestamp updated_at{};  // the report last folded in

  bool empty() const { return weights.empty(); }
  friend bool operator==(const ZoneBelief&, const ZoneBelief&) = default;
};

}  // namespace tastesync::domain
