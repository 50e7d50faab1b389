#include "domain/services/zone_filter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tastesync::domain {
namespace {

// Belief weights are -ln(p / p_max) in 1/256 units (zone_belief.h).
constexpr double kWeightScale = 256.0;
constexpr double kMaxWeight = 65535.0;
// Gaps longer than this many seconds are walked in this many steps.
constexpr int kMaxSteps = 60;

std::vector<double> probabilities(const ZoneBelief& belief) {
  std::vector<double> p(belief.weights.size());
  for (std::size_t z = 0; z < p.size(); ++z) p[z] = std::exp(-static_cast<double>(belief.weights[z]) / kWeightScale);
  return p;
}

// Stores per-state log-probabilities (any offset) as weights; returns the
// zone most probable over all its states, and that probability.
ZoneEstimate store(ZoneBelief& belief, const std::vector<double>& log_p) {
  const double top = *std::max_element(log_p.begin(), log_p.end());
  double total = 0.0;
  belief.weights.resize(log_p.size());
  std::vector<double> p(log_p.size());
  for (std::size_t i = 0; i < log_p.size(); ++i) {
    const double drop = top - log_p[i];  // >= 0
    p[i] = std::exp(-drop);
    total += p[i];
    belief.weights[i] = static_cast<std::uint16_t>(std::min(kMaxWeight, std::round(drop * kWeightScale)));
  }
  ZoneEstimate best{0, -1.0};
  for (std::size_t z = 0; kStatesPerZone * (z + 1) <= p.size(); ++z) {
    double zone = 0.0;
    for (std::size_t k = 0; k < kStatesPerZone; ++k) zone += p[kStatesPerZone * z + k];
    zone /= total;
    if (zone > best.probability) best = ZoneEstimate{z, zone};
  }
  return best;
}

// A zone's states: a walker going in or out (Heading), in the first or the
// second half of crossing the zone, and settled there.
constexpr std::size_t kSettled = 4;
std::size_t state(std::size_t zone, std::size_t which) { return kStatesPerZone * zone + which; }
std::size_t walker(std::size_t zone, Heading heading, std::size_t phase) {
  return state(zone, 2 * static_cast<std::size_t>(heading) + phase);
}
constexpr Heading kHeadings[] = {Heading::kIn, Heading::kOut};

// How a walker's mass moves over `seconds`: crossing a zone takes two phases
// (an Erlang-2 time of mean passing_mean_stay), so a walker is not in and out
// of a zone in an instant, and one still "passing" long after the crossing
// takes is improbable.
struct Crossing {
  double stay_phase = 0.0;  // a phase's mass still in that phase
  double next_phase = 0.0;  // first-phase mass now in the second
  double first_out = 0.0;   // first-phase mass through both, out of the zone
  double second_out = 0.0;  // second-phase mass out of the zone
};

Crossing crossing(const ZoneModelSettings& s, double seconds) {
  const double rate = 2.0 / static_cast<double>(s.passing_mean_stay.count());  // per phase
  Crossing c;
  c.stay_phase = std::exp(-rate * seconds);
  c.next_phase = rate * seconds * c.stay_phase;
  c.first_out = std::max(0.0, 1.0 - c.stay_phase - c.next_phase);
  c.second_out = -std::expm1(-rate * seconds);
  return c;
}

// The transition step over `seconds`. A walker who has crossed a zone
// settles there (settle_share) or walks on keeping their heading
// (zone_transitions.h, walks_on; jump_share of them anywhere). Settled mass
// leaves at the zone's rate: a walker on the way out of the zone, either way.
void predict(const ZoneModel& model, std::vector<double>& p, double seconds) {
  const std::size_t n = model.zones();
  if (seconds <= 0.0) return;
  const ZoneModelSettings& s = model.settings();
  const Crossing c = crossing(s, seconds);
  std::vector<double> next(p.size(), 0.0);
  double jumping = 0.0;  // spread evenly over every observable zone's arriving walkers
  for (std::size_t z = 0; z < n; ++z) {
    const double settled = p[state(z, kSettled)];
    const double getting_up = settled * -std::expm1(-model.leave_rate(z) * seconds);
    next[state(z, kSettled)] += settled - getting_up;
    for (const Heading heading : kHeadings) {
      const double first = p[walker(z, heading, 0)];
      const double second = p[walker(z, heading, 1)];
      const double out = first * c.first_out + second * c.second_out;
      next[walker(z, heading, 0)] += first * c.stay_phase;
      next[walker(z, heading, 1)] += first * c.next_phase + second * c.stay_phase + getting_up / 2.0;
      next[state(z, kSettled)] += out * s.settle_share;
      const double walking = out * (1.0 - s.settle_share);
      const WalkOn& on = model.walk_on(z, heading);
      const double to_neighbours = on.to.empty() ? 0.0 : walking * (1.0 - s.jump_share);
      for (const std::uint16_t to : on.to)
        next[walker(to, on.heading, 0)] += to_neighbours / static_cast<double>(on.to.size());
      jumping += walking - to_neighbours;
    }
  }
  const double per_walker = jumping / static_cast<double>(2 * model.observable_zones());
  for (std::size_t z = 0; z < n; ++z) {
    if (!model.observable(z)) continue;
    for (const Heading heading : kHeadings) next[walker(z, heading, 0)] += per_walker;
  }
  p.swap(next);
}

// The same step backwards: for each state, the expected likelihood `b` of
// the states it may move to over `seconds` (beta = A b).
void look_ahead(const ZoneModel& model, std::vector<double>& b, double seconds) {
  const std::size_t n = model.zones();
  if (seconds <= 0.0) return;
  const ZoneModelSettings& s = model.settings();
  const Crossing c = crossing(s, seconds);
  double anywhere = 0.0;
  for (std::size_t z = 0; z < n; ++z) {
    if (model.observable(z)) anywhere += b[walker(z, Heading::kIn, 0)] + b[walker(z, Heading::kOut, 0)];
  }
  anywhere /= static_cast<double>(2 * model.observable_zones());
  std::vector<double> before(b.size());
  for (std::size_t z = 0; z < n; ++z) {
    for (const Heading heading : kHeadings) {
      const WalkOn& on = model.walk_on(z, heading);
      double walk = anywhere;
      if (!on.to.empty()) {
        double next_door = 0.0;
        for (const std::uint16_t to : on.to) next_door += b[walker(to, on.heading, 0)];
        walk = (1.0 - s.jump_share) * next_door / static_cast<double>(on.to.size()) + s.jump_share * anywhere;
      }
      const double out = s.settle_share * b[state(z, kSettled)] + (1.0 - s.settle_share) * walk;
      const double second = b[walker(z, heading, 1)];
      before[walker(z, heading, 0)] =
          c.stay_phase * b[walker(z, heading, 0)] + c.next_phase * second + c.first_out * out;
      before[walker(z, heading, 1)] = c.stay_phase * second + c.second_out * out;
    }
    const double getting_up = -std::expm1(-model.leave_rate(z) * seconds);
    before[state(z, kSettled)] = (1.0 - getting_up) * b[state(z, kSettled)] +
                                 getting_up * (b[walker(z, Heading::kIn, 1)] + b[walker(z, Heading::kOut, 1)]) / 2.0;
  }
  b.swap(before);
}

// The zone most probable over both its states, from per-state log-probabilities.
ZoneEstimate best_zone(const std::vector<double>& log_p) {
  ZoneBelief unused;
  return store(unused, log_p);
}

}  // namespace

std::vector<double> zone_log_likelihoods(const ZoneModel& model, std::span<const HeardLevel> report) {
  // One level per heard column: the mean of its readings in this report.
  const std::size_t width = model.columns();
  std::vector<double> sums(width, 0.0);
  std::vector<int> counts(width, 0);
  for (const HeardLevel& reading : report) {
    if (reading.column < 0 || static_cast<std::size_t>(reading.column) >= width) continue;
    const auto c = static_cast<std::size_t>(reading.column);
    ++counts[c];
    sums[c] += reading.level;
  }
  std::vector<double> log_likelihood(model.zones());
  for (std::size_t z = 0; z < model.zones(); ++z) {
    // A calibrated zone: the mixture of its per-beacon model and the kernel
    // density over its recordings, as the calibration chose.
    const double per_beacon = report_log_likelihood(model.emission_row(z), counts, sums, model.log_outlier());
    const double w = model.kernel_weight();
    log_likelihood[z] = per_beacon;
    if (w > 0.0 && model.recordings().has(z)) {
      const double kernel = model.recordings().log_likelihood(z, counts, sums, model.emission_row(z));
      const double top = std::max(kernel, per_beacon);
      log_likelihood[z] = top + std::log(w * std::exp(kernel - top) + (1.0 - w) * std::exp(per_beacon - top));
    }
  }
  return log_likelihood;
}

bool belief_fits(const ZoneModel& model, const ZoneBelief& belief) {
  return belief.layout == model.layout() && belief.weights.size() == kStatesPerZone * model.zones();
}

void start_belief(const ZoneModel& model, ZoneBelief& belief, std::optional<std::size_t> zone, Timestamp now) {
  // Placed from outside: settled there. Otherwise passing through, wherever
  // the prior says.
  constexpr double kNever = -std::numeric_limits<double>::infinity();
  std::vector<double> log_p(kStatesPerZone * model.zones(), kNever);
  for (std::size_t z = 0; z < model.zones(); ++z) {
    if (zone) {
      if (z == *zone) log_p[state(z, kSettled)] = 0.0;
    } else {
      log_p[walker(z, Heading::kIn, 0)] = std::log(model.first_sighting_prior()[z]);
    }
  }
  belief.layout = model.layout();
  belief.updated_at = now;
  store(belief, log_p);
}

ZoneStep fold_report(const ZoneModel& model, ZoneBelief& belief, std::span<const HeardLevel> report, Timestamp at,
                     bool first_report) {
  const double gap = std::chrono::duration<double>(at - belief.updated_at).count();
  const bool restarted = gap > static_cast<double>(model.settings().new_visit_after.count());
  if (restarted) start_belief(model, belief, std::nullopt, at);
  // A report is a scan window of its own: two reports never stand for less
  // time than one window, however closely they arrive (batches, retries).
  const double window = std::chrono::duration<double>(model.settings().scan_window).count();
  const double seconds = restarted || first_report ? 0.0 : std::max(gap, window);
  const std::vector<double> before = probabilities(belief);
  std::vector<double> p = before;
  // A long gap is walked in steps of at most a second, so that it can take a
  // customer several zones along the floor plan, not just to a neighbour.
  const int steps = seconds <= 0.0 ? 0 : std::clamp(static_cast<int>(std::ceil(seconds)), 1, kMaxSteps);
  for (int i = 0; i < steps; ++i) predict(model, p, seconds / steps);
  if (at > belief.updated_at) belief.updated_at = at;

  // Tempered: a report counts as report_weight of an independent one.
  std::vector<double> per_zone = zone_log_likelihoods(model, report);
  for (double& l : per_zone) l *= model.settings().report_weight;
  std::vector<double> log_likelihood(p.size());
  // Every state of a zone hears the same.
  for (std::size_t i = 0; i < p.size(); ++i) log_likelihood[i] = per_zone[i / kStatesPerZone];
  std::vector<double> log_p(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) log_p[i] = std::log(p[i]) + log_likelihood[i];
  ZoneStep step;
  step.now = store(belief, log_p);
  if (restarted || steps == 0) {
    step.one_report_ago = step.now;
    return step;
  }
  // Where the customer was at the previous report, now that this one is in:
  // P(z_prev | all reports) ~ belief_prev(z) * sum_z' A(z, z') b(z').
  const double top = *std::max_element(log_likelihood.begin(), log_likelihood.end());
  std::vector<double> ahead(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) ahead[i] = std::exp(log_likelihood[i] - top);
  for (int i = 0; i < steps; ++i) look_ahead(model, ahead, seconds / steps);
  std::vector<double> log_previous(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) log_previous[i] = std::log(before[i]) + std::log(ahead[i]);
  step.one_report_ago = best_zone(log_previous);
  return step;
}

}  // namespace tastesync::domain
