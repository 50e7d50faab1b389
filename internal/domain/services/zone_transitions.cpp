#include "domain/services/zone_transitions.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tastesync::domain {
namespace {

// Positions closer than this are one spot (positions are in metres).
constexpr double kSameSpotM = 0.01;

}  // namespace

std::vector<std::vector<std::uint16_t>> neighbouring_zones(const std::vector<Zone>& zones, double slack) {
  const std::size_t n = zones.size();
  auto distance = [&zones](std::size_t a, std::size_t b) {
    return std::hypot(zones[a].position->x_m - zones[b].position->x_m, zones[a].position->y_m - zones[b].position->y_m);
  };
  std::vector<std::vector<char>> linked(n, std::vector<char>(n, 0));
  for (std::size_t a = 0; a < n; ++a) {
    if (!zones[a].position) {
      for (std::size_t b = 0; b < n; ++b) linked[a][b] = linked[b][a] = 1;
      continue;
    }
    // Nearest at a distance: a zone on the same spot (one above the other on
    // two floors, two zones a plan put on one point) would make it 0, and
    // then the zone's only neighbours would be the ones on that spot.
    double nearest = std::numeric_limits<double>::infinity();
    for (std::size_t b = 0; b < n; ++b) {
      if (b != a && zones[b].position && distance(a, b) > kSameSpotM) nearest = std::min(nearest, distance(a, b));
    }
    for (std::size_t b = 0; b < n; ++b) {
      if (b != a && zones[b].position && (distance(a, b) <= kSameSpotM || distance(a, b) <= slack * nearest))
        linked[a][b] = linked[b][a] = 1;
    }
  }
  std::vector<std::vector<std::uint16_t>> neighbours(n);
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = 0; b < n; ++b) {
      if (a != b && linked[a][b]) neighbours[a].push_back(static_cast<std::uint16_t>(b));
    }
  }
  return neighbours;
}

}  // namespace tastesync::domain
