#pragma once

// Which zones a customer walks to from each zone: the transition graph of the
// zone filter (zone_model.h).

#include <cstdint>
#include <vector>

#include "domain/entities/zone.h"

namespace tastesync::domain {

// Per zone, its neighbours (indices into `zones`, never itself): with floor
// positions, the zones at most `slack` times as far as its nearest other zone
// (a grid's eight surrounding cells at 1.5; both sides of a table in a row),
// made symmetric (if A may walk to B, B may walk back). A zone without a
// position neighbours every zone, and every zone neighbours it.
std::vector<std::vector<std::uint16_t>> neighbouring_zones(const std::vector<Zone>& zones, double slack);

// Which way a walker is going: into the store (away from the entrance, to a
// table) or out of it (towards the entrance).
enum class Heading : std::uint8_t { kIn = 0, kOut = 1 };

// Where a walker leaving a zone goes on to, keeping their heading: going in,
// the neighbours at least as many steps from the entrance (steps counted
// along `neighbours`); going out, those at most as many. A walker with
// nowhere left to go that way turns round (the end of a row, the entrance):
// `heading` is then the other one and `to` every neighbour.
struct WalkOn {
  std::vector<std::uint16_t> to;
  Heading heading = Heading::kIn;
};

// Per zone and heading (index 2 * zone + heading), where walkers go on to.
// Without an entrance among `is_entrance` every zone is as far from it, so
// either heading may go to every neighbour (no direction to keep).
std::vector<WalkOn> walks_on(const std::vector<std::vector<std::uint16_t>>& neighbours,
                             const std::vector<char>& is_entrance);

}  // namespace tastesync::domain
