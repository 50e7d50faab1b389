#include "domain/services/zone_model.h"

#include <algorithm>

#include "domain/services/zone_transitions.h"

namespace tastesync::domain {
namespace {

// The belief stores zone indices in 16 bits, and a store's belief should stay
// well under a kilobyte (2 bytes a zone).
constexpr std::size_t kMaxZones = 500;

}  // namespace

Result<void> check_zone_model_settings(const ZoneModelSettings& s) {
  auto bad = [](const char* field, const std::string& why) { return fail(ErrorCode::kInvalidArgument, why, field); };
  if (!(s.path_loss_exponent > 0.0)) return bad("path_loss_exponent", "the path-loss exponent must be positive");
  if (!(s.path_loss_sigma_db > 0.0)) return bad("path_loss_sigma_db", "the path-loss spread must be positive");
  if (!(s.near_distance_m > 0.0) || !(s.far_distance_m >= s.near_distance_m))
    return bad("near_distance_m", "distances must be positive and near <= far");
  if (!(s.miss_probability >= 0.0 && s.miss_probability < 1.0))
    return bad("miss_probability", "the miss probability must be in [0, 1)");
  if (!(s.outlier_share > 0.0 && s.outlier_share < 1.0) || !(s.outlier_range_db > 0.0))
    return bad("outlier_share", "the outlier share must be in (0, 1) over a positive range");
  if (!(s.prior_samples >= 0.0) || !(s.min_sigma_db > 0.0))
    return bad("prior_samples", "pseudo-samples must be >= 0 and the minimum spread positive");
  if (s.entrance_mean_stay.count() <= 0 || s.table_mean_stay.count() <= 0 || s.passing_mean_stay.count() <= 0)
    return bad("mean_stay", "mean stays must be positive");
  if (!(s.settle_share >= 0.0 && s.settle_share <= 1.0))
    return bad("settle_share", "the settle share must be in [0, 1]");
  if (s.scan_window.count() < 0) return bad("scan_window", "the scan window must not be negative");
  if (!(s.neighbour_slack >= 1.0)) return bad("neighbour_slack", "the neighbour slack must be at least 1");
  if (!(s.jump_share >= 0.0 && s.jump_share <= 1.0)) return bad("jump_share", "the jump share must be in [0, 1]");
  if (!(s.report_weight > 0.0 && s.report_weight <= 1.0))
    return bad("report_weight", "the report weight must be in (0, 1]");
  if (!(s.kernel_weight <= 1.0)) return bad("kernel_weight", "the kernel weight must be at most 1 (negative: chosen)");
  if (s.max_kernel_scans < 1) return bad("max_kernel_scans", "the kernel needs at least one scan per zone");
  if (!(s.entrance_prior >= 0.0 && s.entrance_prior < 1.0))
    return bad("entrance_prior", "the entrance prior must be in [0, 1)");
  return {};
}

std::uint32_t zone_layout(const std::vector<Zone>& zones) {
  std::uint32_t hash = 2166136261U;
  auto mix = [&hash](unsigned char byte) {
    hash ^= byte;
    hash *= 16777619U;
  };
  for (const Zone& zone : zones) {
    for (const char ch : zone.id) mix(static_cast<unsigned char>(ch));
    mix(0);  // "ab","c" is not "a","bc"
  }
  return hash;
}

Result<ZoneModel> ZoneModel::build(const Store& store, const std::vector<const Beacon*>& beacons,
                                   const StoreFingerprints* fingerprints, const ZoneModelSettings& settings) {
  if (auto valid = check_zone_model_settings(settings); !valid) return std::unexpected(valid.error());
  if (store.zones.empty())
    return fail(ErrorCode::kFailedPrecondition, "store '" + store.id + "' has no zones to place anyone in", "zones");
  if (store.zones.size() > kMaxZones) {
    return fail(ErrorCode::kInvalidArgument,
                "store '" + store.id + "' has " + std::to_string(store.zones.size()) +
                    " zones; the zone filter takes " + std::to_string(kMaxZones) + " at most",
                "zones");
  }
  ZoneModel model;
  model.settings_ = settings;
  model.store_id_ = store.id;
  model.zones_ = store.zones;
  for (const Beacon* beacon : beacons) {
    if (beacon == nullptr || beacon->store_id != store.id) continue;
    if (model.column_index_.emplace(beacon->key, static_cast<int>(model.columns_.size())).second)
      model.columns_.push_back(beacon);
  }
  const CalibrationTallies tallies = tally_calibration(model.zones_, model.columns_, fingerprints, settings);
  EmissionTable table = learn_emissions(model.zones_, model.columns_, tallies, settings);
  model.emissions_ = std::move(table.cells);
  model.calibrated_ = std::move(table.calibrated);
  // Calibrated zones also keep their recorded scans; how much the emission
  // leans on them is chosen by how well they predict each other.
  ChosenKernel kernel =
      cross_validated_kernel(model.zones_, model.columns_, fingerprints, tallies, model.emissions_, settings);
  model.recordings_ = std::move(kernel.recordings);
  model.kernel_weight_ = kernel.weight;
  model.kernel_bandwidth_scale_ = kernel.bandwidth_scale;
  model.log_outlier_ = log_outlier_density(settings);
  // A zone the filter cannot hear (no calibration, no position, no beacon of
  // its own) tells no report apart from any other: the filter never moves a
  // customer there by itself, only keeps one placed there (a table QR scan).
  const std::size_t zone_count = model.zones_.size();
  model.observable_.assign(zone_count, 0);
  for (std::size_t z = 0; z < zone_count; ++z) {
    const Zone& zone = model.zones_[z];
    const bool has_beacon = std::any_of(model.columns_.begin(), model.columns_.end(),
                                        [&zone](const Beacon* b) { return b->zone_id == zone.id; });
    model.observable_[z] = model.calibrated_[z] || zone.position || has_beacon ? 1 : 0;
  }
  model.observable_count_ = static_cast<std::size_t>(std::count(model.observable_.begin(), model.observable_.end(), 1));
  if (model.observable_count_ == 0) {  // nothing to hear anywhere: every zone alike
    model.observable_.assign(zone_count, 1);
    model.observable_count_ = zone_count;
  }
  model.neighbours_ = neighbouring_zones(model.zones_, settings.neighbour_slack);
  for (auto& neighbours : model.neighbours_) {
    std::erase_if(neighbours, [&model](std::uint16_t to) { return !model.observable_[to]; });
  }
  model.layout_ = zone_layout(model.zones_);

  const std::size_t n = model.zones_.size();
  model.leave_rates_.resize(n);
  std::size_t entrances = 0;
  for (std::size_t z = 0; z < n; ++z) {
    const bool entrance = model.zones_[z].kind == ZoneKind::kEntrance;
    entrances += entrance && model.observable_[z] ? 1 : 0;
    const auto stay = entrance ? settings.entrance_mean_stay : settings.table_mean_stay;
    model.leave_rates_[z] = 1.0 / static_cast<double>(stay.count());
  }
  // Customers come in through the entrance; a phone that starts reporting
  // late may first be heard anywhere.
  const double at_entrance = entrances > 0 ? settings.entrance_prior : 0.0;
  model.prior_.assign(n, 0.0);
  for (std::size_t z = 0; z < n; ++z) {
    if (!model.observable_[z]) continue;
    model.prior_[z] = (1.0 - at_entrance) / static_cast<double>(model.observable_count_);
    if (model.zones_[z].kind == ZoneKind::kEntrance) model.prior_[z] += at_entrance / static_cast<double>(entrances);
  }
  return model;
}

std::optional<std::size_t> ZoneModel::zone_index(const std::string& zone_id) const {
  const auto it = std::find_if(zones_.begin(), zones_.end(), [&zone_id](const Zone& z) { return z.id == zone_id; });
  if (it == zones_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - zones_.begin());
}

int ZoneModel::column(const BeaconKey& key) const {
  const auto it = column_index_.find(key);
  return it == column_index_.end() ? -1 : it->second;
}

}  // namespace tastesync::domain
