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
// made symmetric (if A may walk to B, B may walk back); zones on one spot
// neighbour each other and do not count as the nearest. A zone without a
// position neighbours every zone, and every zone neighbours it.
std::vector<std::vector<std::uint16_t>> neighbouring_zones(const std::vector<Zone>& zones, double slack);

}  // namespace tastesync::domain
