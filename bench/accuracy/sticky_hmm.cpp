#include "accuracy/sticky_hmm.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

namespace tastesync::bench {
namespace {

constexpr double kUnheardDbm = -105.0;  // below any reading the data sets hold
constexpr double kStay = 0.99;          // P(same zone at the next report): sticky
constexpr double kMinVariance = 1.0;    // readings are whole dB

double log_sum_exp(const std::vector<double>& values) {
  const double top = *std::max_element(values.begin(), values.end());
  double total = 0.0;
  for (const double v : values) total += std::exp(v - top);
  return top + std::log(total);
}

}  // namespace

StickyHmm::StickyHmm(const std::vector<domain::Beacon>& beacons,
                     const std::vector<const domain::FingerprintSample*>& calibration) {
  for (const domain::Beacon& beacon : beacons) columns_.push_back(beacon.key);
  std::map<std::string, std::vector<std::vector<double>>> by_zone;
  for (const domain::FingerprintSample* sample : calibration) by_zone[sample->zone_id].push_back(levels_of(*sample));
  const std::size_t width = columns_.size();
  for (const auto& [zone, scans] : by_zone) {
    zones_.push_back(zone);
    for (std::size_t c = 0; c < width; ++c) {
      double sum = 0.0;
      double squares = 0.0;
      for (const auto& levels : scans) {
        sum += levels[c];
        squares += levels[c] * levels[c];
      }
      const auto n = static_cast<double>(scans.size());
      const double mean = sum / n;
      mean_.push_back(mean);
      variance_.push_back(std::max(kMinVariance, squares / n - mean * mean));
    }
  }
}

std::vector<double> StickyHmm::levels_of(const domain::FingerprintSample& scan) const {
  std::vector<double> levels(columns_.size(), kUnheardDbm);
  for (const domain::FingerprintReading& reading : scan.readings) {
    const auto c =
        static_cast<std::size_t>(std::find(columns_.begin(), columns_.end(), reading.beacon) - columns_.begin());
    if (c < columns_.size() && reading.rssi > domain::kNotHeardRssi) levels[c] = reading.rssi;
  }
  return levels;
}

StickyHmm::Customer::Customer(const StickyHmm& model)
    : model_(model), log_belief_(model.zones_.size(), -std::log(static_cast<double>(model.zones_.size()))) {}

std::string StickyHmm::Customer::report(const domain::FingerprintSample& scan) {
  const std::size_t zones = log_belief_.size();
  if (zones == 0) return {};
  const std::size_t width = model_.columns_.size();
  const std::vector<double> levels = model_.levels_of(scan);
  // Predict: stay, or move to any zone alike (the belief is normalised).
  const double move = zones > 1 ? (1.0 - kStay) / static_cast<double>(zones - 1) : 0.0;
  std::vector<double> next(zones);
  for (std::size_t z = 0; z < zones; ++z) {
    const double p = std::exp(log_belief_[z]);
    next[z] = std::log(kStay * p + move * (1.0 - p) + 1e-300);
  }
  // Update: the Gaussians of every beacon.
  for (std::size_t z = 0; z < zones; ++z) {
    for (std::size_t c = 0; c < width; ++c) {
      const double variance = model_.variance_[z * width + c];
      const double d = levels[c] - model_.mean_[z * width + c];
      next[z] += -0.5 * std::log(2.0 * std::numbers::pi * variance) - d * d / (2.0 * variance);
    }
  }
  const double total = log_sum_exp(next);
  for (double& v : next) v -= total;
  log_belief_ = std::move(next);
  return model_
      .zones_[static_cast<std::size_t>(std::max_element(log_belief_.begin(), log_belief_.end()) - log_belief_.begin())];
}

}  // namespace tastesync::bench
