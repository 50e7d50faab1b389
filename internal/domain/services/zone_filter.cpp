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
// zone most probable over both its states, and that probability.
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
  for (std::size_t z = 0; 2 * z + 1 < p.size(); ++z) {
    const double zone = (p[2 * z] + p[2 * z + 1]) / total;
    if (zone > best.probability) best = ZoneEstimate{z, zone};
  }
  return best;
}

// The transition step over `seconds` (states: 2z passing, 2z + 1 settled).
// Passing mass leaves at the passing rate: settle_share settles here, the
// rest walks to the neighbours (jump_share of it anywhere). Settled mass
// leaves at the zone's rate and is passing through here again.
void predict(const ZoneModel& model, std::vector<double>& p, double seconds) {
  const std::size_t n = model.zones();
  if (seconds <= 0.0) return;
  const ZoneModelSettings& s = model.settings();
  const double passing_leaves = -std::expm1(-seconds / static_cast<double>(s.passing_mean_stay.count()));
  std::vector<double> next(p.size(), 0.0);
  double jumping = 0.0;  // spread evenly over every observable zone's passing state
  for (std::size_t z = 0; z < n; ++z) {
    const double passing = p[2 * z];
    const double settled = p[2 * z + 1];
    const double walking_off = passing * passing_leaves;
    const double getting_up = settled * -std::expm1(-model.leave_rate(z) * seconds);
    next[2 * z] += passing - walking_off + getting_up;
    next[2 * z + 1] += settled - getting_up + walking_off * s.settle_share;
    const double walking = walking_off * (1.0 - s.settle_share);
    const auto& neighbours = model.neighbours(z);
    const double to_neighbours = neighbours.empty() ? 0.0 : walking * (1.0 - s.jump_share);
    for (const std::uint16_t to : neighbours) next[2 * to] += to_neighbours / static_cast<double>(neighbours.size());
    jumping += walking - to_neighbours;
  }
  const double per_zone = jumping / static_cast<double>(model.observable_zones());
  for (std::size_t z = 0; z < n; ++z) p[2 * z] = next[2 * z] + (model.observable(z) ? per_zone : 0.0);
  for (std::size_t z = 0; z < n; ++z) p[2 * z + 1] = next[2 * z + 1];
}

// The same step backwards: for each state, the expected likelihood `b` of
// the states it may move to over `seconds` (beta = A b).
void look_ahead(const ZoneModel& model, std::vector<double>& b, double seconds) {
  const std::size_t n = model.zones();
  if (seconds <= 0.0) return;
  const ZoneModelSettings& s = model.settings();
  const double passing_leaves = -std::expm1(-seconds / static_cast<double>(s.passing_mean_stay.count()));
  double anywhere = 0.0;
  for (std::size_t z = 0; z < n; ++z) anywhere += model.observable(z) ? b[2 * z] : 0.0;
  anywhere /= static_cast<double>(model.observable_zones());
  std::vector<double> before(b.size());
  for (std::size_t z = 0; z < n; ++z) {
    const auto& neighbours = model.neighbours(z);
    double walk = anywhere;
    if (!neighbours.empty()) {
      double next_door = 0.0;
      for (const std::uint16_t to : neighbours) next_door += b[2 * to];
      walk = (1.0 - s.jump_share) * next_door / static_cast<double>(neighbours.size()) + s.jump_share * anywhere;
    }
    before[2 * z] = (1.0 - passing_leaves) * b[2 * z] +
                    passing_leaves * (s.settle_share * b[2 * z + 1] + (1.0 - s.settle_share) * walk);
    const double getting_up = -std::expm1(-model.leave_rate(z) * seconds);
    before[2 * z + 1] = (1.0 - getting_up) * b[2 * z + 1] + getting_up * b[2 * z];
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
  return belief.layout == model.layout() && belief.weights.size() == 2 * model.zones();
}

void start_belief(const ZoneModel& model, ZoneBelief& belief, std::optional<std::size_t> zone, Timestamp now) {
  // Placed from outside: settled there. Otherwise passing through, wherever
  // the prior says.
  constexpr double kNever = -std::numeric_limits<double>::infinity();
  std::vector<double> log_p(2 * model.zones(), kNever);
  for (std::size_t z = 0; z < model.zones(); ++z) {
    if (zone) {
      if (z == *zone) log_p[2 * z + 1] = 0.0;
    } else {
      log_p[2 * z] = std::log(model.first_sighting_prior()[z]);
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
  // Both states of a zone hear the same.
  for (std::size_t z = 0; z < model.zones(); ++z) log_likelihood[2 * z] = log_likelihood[2 * z + 1] = per_zone[z];
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
