#include "domain/services/zone_transitions.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace tastesync::domain {

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
    double nearest = std::numeric_limits<double>::infinity();
    for (std::size_t b = 0; b < n; ++b) {
      if (b != a && zones[b].position) nearest = std::min(nearest, distance(a, b));
    }
    for (std::size_t b = 0; b < n; ++b) {
      if (b != a && zones[b].position && distance(a, b) <= slack * nearest) linked[a][b] = linked[b][a] = 1;
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

std::vector<WalkOn> walks_on(const std::vector<std::vector<std::uint16_t>>& neighbours,
                             const std::vector<char>& is_entrance) {
  const std::size_t n = neighbours.size();
  // Steps from the nearest entrance (breadth first); a zone no walk from an
  // entrance reaches is one step beyond the farthest that is reached.
  constexpr int kUnreached = std::numeric_limits<int>::max();
  std::vector<int> steps(n, kUnreached);
  std::deque<std::size_t> queue;
  for (std::size_t z = 0; z < n; ++z) {
    if (is_entrance[z]) {
      steps[z] = 0;
      queue.push_back(z);
    }
  }
  int farthest = 0;
  while (!queue.empty()) {
    const std::size_t z = queue.front();
    queue.pop_front();
    farthest = std::max(farthest, steps[z]);
    for (const std::uint16_t to : neighbours[z]) {
      if (steps[to] == kUnreached) {
        steps[to] = steps[z] + 1;
        queue.push_back(to);
      }
    }
  }
  for (int& s : steps) {
    if (s == kUnreached) s = farthest + 1;
  }
  std::vector<WalkOn> walks(2 * n);
  for (std::size_t z = 0; z < n; ++z) {
    WalkOn in{{}, Heading::kIn};
    WalkOn out{{}, Heading::kOut};
    for (const std::uint16_t to : neighbours[z]) {
      if (steps[to] >= steps[z]) in.to.push_back(to);
      if (steps[to] <= steps[z]) out.to.push_back(to);
    }
    // Nowhere further that way: the walker turns round.
    if (in.to.empty()) in = WalkOn{neighbours[z], Heading::kOut};
    if (out.to.empty()) out = WalkOn{neighbours[z], Heading::kIn};
    walks[2 * z] = std::move(in);
    walks[2 * z + 1] = std::move(out);
  }
  return walks;
}

}  // namespace tastesync::domain
