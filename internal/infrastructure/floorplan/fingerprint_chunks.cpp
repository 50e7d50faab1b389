#include "infrastructure/floorplan/fingerprint_chunks.h"

#include <algorithm>

namespace tastesync::infrastructure {
namespace {

using domain::CalibrationMode;

// Cuts `order` into chunks of at most `budget` bytes, the first with
// `first_mode` and the rest appending.
void cut(const std::vector<std::size_t>& order, const std::vector<std::size_t>& bytes, std::size_t budget,
         CalibrationMode first_mode, std::vector<FingerprintChunk>& out) {
  std::size_t used = 0;
  bool first = true;
  for (const std::size_t sample : order) {
    if (first || (used + bytes[sample] > budget && !out.back().samples.empty())) {
      out.push_back({{}, first ? first_mode : CalibrationMode::kAppend});
      used = 0;
      first = false;
    }
    out.back().samples.push_back(sample);
    used += bytes[sample];
  }
}

}  // namespace

std::vector<FingerprintChunk> plan_fingerprint_chunks(const std::vector<std::string>& zones,
                                                      const std::vector<std::size_t>& bytes, std::size_t budget_bytes,
                                                      CalibrationMode mode) {
  std::vector<FingerprintChunk> chunks;
  if (zones.empty()) return chunks;
  if (mode != CalibrationMode::kReplaceZones) {
    std::vector<std::size_t> order(zones.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    cut(order, bytes, budget_bytes, mode, chunks);
    return chunks;
  }
  // Zones in order of first appearance, each with its samples.
  std::vector<std::string> zone_order;
  std::vector<std::vector<std::size_t>> by_zone;
  for (std::size_t i = 0; i < zones.size(); ++i) {
    const auto at = std::find(zone_order.begin(), zone_order.end(), zones[i]);
    if (at == zone_order.end()) {
      zone_order.push_back(zones[i]);
      by_zone.push_back({i});
    } else {
      by_zone[static_cast<std::size_t>(at - zone_order.begin())].push_back(i);
    }
  }
  // Small zones share a replacing chunk (each starts in it); a zone that
  // does not fit is continued in appending chunks of its own.
  std::size_t used = 0;
  bool open_replacing = false;  // the last chunk replaces, and zones may still start in it
  for (const std::vector<std::size_t>& samples : by_zone) {
    for (std::size_t k = 0; k < samples.size(); ++k) {
      const std::size_t sample = samples[k];
      const bool full = used + bytes[sample] > budget_bytes;
      if (k == 0 && (!open_replacing || (full && !chunks.back().samples.empty()))) {
        chunks.push_back({{}, CalibrationMode::kReplaceZones});
        used = 0;
        open_replacing = true;
      } else if (k > 0 && full) {
        chunks.push_back({{}, CalibrationMode::kAppend});
        used = 0;
        open_replacing = false;
      }
      chunks.back().samples.push_back(sample);
      used += bytes[sample];
    }
  }
  return chunks;
}

}  // namespace tastesync::infrastructure
