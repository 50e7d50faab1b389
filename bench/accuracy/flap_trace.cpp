#include "accuracy/flap_trace.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <vector>

#include "accuracy/report_table.h"
#include "domain/services/zone_filter.h"

namespace tastesync::bench {
namespace {

// One report as the filter saw it.
struct Seen {
  std::string heard;               // "T3:-4.1 T4:-12.0"
  std::vector<double> likelihood;  // per zone, as the filter weighs it, relative to the best
  std::vector<double> passing;     // per zone, after the report
  std::vector<double> settled;     // per zone, after the report
  std::string answered;
};

double level_of(const domain::KnownSighting& s) {
  const int tx = s.tx_power.value_or(s.beacon->tx_power_1m);
  return static_cast<double>(s.rssi) + s.beacon->calibration_offset_db - static_cast<double>(tx);
}

Seen observe(const domain::ZoneModel& model, const domain::ResolverState& state,
             std::span<const domain::KnownSighting> sightings, const std::string& answered) {
  Seen seen;
  std::vector<domain::HeardLevel> report;
  std::ostringstream heard;
  for (const auto& s : sightings) {
    report.push_back({model.column(s.beacon->key), level_of(s)});
    heard << s.beacon->zone_id << ':' << number(level_of(s), 0) << ' ';
  }
  seen.heard = heard.str();
  // Tempered, as the filter weighs it (zone_filter.cpp).
  seen.likelihood = domain::zone_log_likelihoods(model, report);
  double top = -1e300;
  for (double& l : seen.likelihood) {
    l *= model.settings().report_weight;
    top = std::max(top, l);
  }
  for (double& l : seen.likelihood) l -= top;
  double total = 0.0;
  std::vector<double> p;
  for (const std::uint16_t w : state.belief.weights) {
    p.push_back(std::exp(-static_cast<double>(w) / 256.0));
    total += p.back();
  }
  for (std::size_t z = 0; 2 * z + 1 < p.size(); ++z) {
    seen.passing.push_back(p[2 * z] / total);
    seen.settled.push_back(p[2 * z + 1] / total);
  }
  seen.answered = answered;
  return seen;
}

}  // namespace

std::string trace_flaps(const testing::SimulationSettings& settings, const domain::ZoneResolver& resolver,
                        const domain::ZoneModel& model, std::size_t context, Traced traced) {
  testing::StoreSimulator simulator(settings);
  // Per customer (a fresh state starts one), per report time.
  std::vector<std::map<domain::Timestamp, Seen>> log;
  auto resolve = [&](domain::ResolverState& state, std::span<const domain::KnownSighting> sightings,
                     domain::Timestamp now) {
    if (state.store_id.empty()) log.emplace_back();  // a fresh state: the next customer
    const domain::ZoneDecision decision = resolver.resolve(state, sightings, now, &model);
    log.back()[now] = observe(model, state, sightings, decision.zone_id);
    return decision;
  };
  const auto tracks = simulator.run(resolve);
  std::ostringstream out;
  auto zone_name = [&model](std::size_t z) { return model.zone(z).id; };
  // The reports around index i of customer c, i marked.
  auto print_context = [&](std::size_t c, std::size_t i, std::size_t seated_at) {
    const auto& p = tracks[c].points;
    const std::size_t from = i >= context ? i - context : 0;
    for (std::size_t k = from; k <= i + 1 && k < p.size(); ++k) {
      const auto seen = log[c].find(p[k].at);
      // Reports before sitting down (the walk in) count negative.
      const auto since = static_cast<std::int64_t>(k) - static_cast<std::int64_t>(seated_at);
      out << "  " << (k == i ? "*" : " ") << " t" << (since < 0 ? "" : "+") << since << " ";
      if (seen == log[c].end()) {
        out << "(nothing heard)\n";
        continue;
      }
      const Seen& s = seen->second;
      out << "answer " << s.answered << " | heard " << s.heard << "| ";
      // The three most probable zones after the report, with their states
      // and this report's likelihood.
      std::vector<std::size_t> order(s.passing.size());
      for (std::size_t z = 0; z < order.size(); ++z) order[z] = z;
      std::sort(order.begin(), order.end(), [&s](std::size_t a, std::size_t b) {
        return s.passing[a] + s.settled[a] > s.passing[b] + s.settled[b];
      });
      for (std::size_t r = 0; r < 3 && r < order.size(); ++r) {
        const std::size_t z = order[r];
        out << zone_name(z) << " p" << number(s.passing[z], 3) << "/s" << number(s.settled[z], 3) << " ll"
            << number(s.likelihood[z], 1) << "  ";
      }
      out << "\n";
    }
  };
  std::size_t flaps = 0;
  std::size_t slow = 0;
  std::size_t slow_changes = 0;  // ... of them a change of table
  for (std::size_t c = 0; c < tracks.size() && c < log.size(); ++c) {
    const auto& p = tracks[c].points;
    std::size_t seated_at = 0;
    bool placed = false;
    for (std::size_t i = 1; i < p.size(); ++i) {
      if (p[i].truth.activity != testing::Activity::kSeated) {
        placed = false;
        continue;
      }
      if (p[i - 1].truth.activity != testing::Activity::kSeated || p[i - 1].truth.seating != p[i].truth.seating) {
        seated_at = i;
        placed = false;
      }
      if (!placed) {
        placed = p[i].answered == p[i].truth.zone_id;
        // Not placed by the 2nd sighting at the table: a miss of the arrival target.
        if (traced == Traced::kSlowArrivals && !placed && i == seated_at + 1) {
          ++slow;
          const bool change = p[i].truth.seating > 0;
          slow_changes += change ? 1 : 0;
          out << "slow arrival " << slow << ": customer " << c << ", " << (change ? "changing to " : "first seated at ")
              << p[i].truth.zone_id << ", answered " << p[i].answered << " at the 2nd sighting\n";
          print_context(c, i, seated_at);
        }
        continue;
      }
      if (p[i].answered == p[i - 1].answered || traced != Traced::kFlaps) continue;
      ++flaps;
      out << "flap " << flaps << ": customer " << c << ", " << (i - seated_at) << " s after sitting at "
          << p[i].truth.zone_id << ": " << p[i - 1].answered << " -> " << p[i].answered << "\n";
      print_context(c, i, seated_at);
    }
  }
  if (traced == Traced::kSlowArrivals) {
    out << slow << " seatings not placed within 2 sightings, " << slow_changes << " of them changes of table\n";
    return out.str();
  }
  out << flaps << " flaps\n";
  return out.str();
}

}  // namespace tastesync::bench
