#include "support/accuracy_metrics.h"

#include <algorithm>
#include <cmath>

namespace tastesync::testing {
namespace {

using Seconds = std::chrono::duration<double>;

double ratio(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// One contiguous stay at a table: [begin, end) indexes into a track.
struct Seating {
  std::size_t begin = 0;
  std::size_t end = 0;
};

std::vector<Seating> seatings_of(const CustomerTrack& track) {
  std::vector<Seating> found;
  for (std::size_t i = 0; i < track.points.size(); ++i) {
    const Truth& truth = track.points[i].truth;
    if (truth.activity != Activity::kSeated) continue;
    const bool continues =
        !found.empty() && found.back().end == i && track.points[found.back().begin].truth.seating == truth.seating;
    if (continues) {
      found.back().end = i + 1;
    } else {
      found.push_back(Seating{i, i + 1});
    }
  }
  return found;
}

}  // namespace

double Delays::share_within(double limit) const {
  const auto within =
      static_cast<std::size_t>(std::count_if(values.begin(), values.end(), [limit](double v) { return v <= limit; }));
  return ratio(within, count());
}

std::optional<double> Delays::quantile(double p) const {
  if (count() == 0) return std::nullopt;
  // Nearest rank: the smallest value with at least p of the cases at or below it.
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p * static_cast<double>(count()))));
  if (rank > values.size()) return std::nullopt;
  return values[rank - 1];
}

double AccuracyMetrics::seated_accuracy() const { return ratio(seated_reports_right, seated_reports); }
double AccuracyMetrics::flaps_per_hour() const {
  return seated_hours > 0.0 ? static_cast<double>(flaps) / seated_hours : 0.0;
}
double AccuracyMetrics::share_without_flaps() const { return ratio(customers_without_flaps, customers); }

AccuracyMetrics measure(std::span<const CustomerTrack> tracks, std::chrono::milliseconds settle) {
  AccuracyMetrics m;
  for (const CustomerTrack& track : tracks) {
    if (track.points.empty()) continue;
    ++m.customers;
    const auto& p = track.points;

    // Entrance: reports while waiting there until it is the answer.
    std::size_t waiting = 0;
    std::optional<std::size_t> entrance_at;
    for (std::size_t i = 0; i < p.size() && p[i].truth.activity == Activity::kWaiting; ++i) {
      ++waiting;
      if (!entrance_at && p[i].answered == p[i].truth.zone_id) entrance_at = waiting;
    }
    if (waiting > 0) {
      if (entrance_at) {
        m.entrance_reports.values.push_back(static_cast<double>(*entrance_at));
      } else {
        ++m.entrance_reports.never;
      }
    }

    std::size_t customer_flaps = 0;
    for (const Seating& seating : seatings_of(track)) {
      const TrackPoint& first = p[seating.begin];
      const std::string& table = first.truth.zone_id;
      const domain::Timestamp settled = first.at + settle;
      std::optional<std::size_t> placed_at;
      for (std::size_t i = seating.begin; i < seating.end; ++i) {
        if (p[i].answered == table) {
          placed_at = i;
          break;
        }
      }
      if (placed_at) {
        m.arrival_reports.values.push_back(static_cast<double>(*placed_at - seating.begin + 1));
        m.arrival_seconds.values.push_back(Seconds(p[*placed_at].at - first.at).count());
      } else {
        ++m.arrival_reports.never;
        ++m.arrival_seconds.never;
      }
      for (std::size_t i = seating.begin; i < seating.end; ++i) {
        if (p[i].at < settled) continue;
        ++m.seated_reports;
        if (p[i].answered == table) ++m.seated_reports_right;
      }
      // Once placed (or settled, if never placed), every change of answer is a flap.
      for (std::size_t i = seating.begin + 1; i < seating.end; ++i) {
        const bool counting = placed_at ? i > *placed_at : p[i].at >= settled;
        if (counting && p[i].answered != p[i - 1].answered) ++customer_flaps;
      }
      // The seating lasts until the next report (the first one elsewhere).
      const domain::Timestamp until = seating.end < p.size() ? p[seating.end].at : p[seating.end - 1].at;
      m.seated_hours += Seconds(until - first.at).count() / 3600.0;
    }
    m.flaps += customer_flaps;
    if (customer_flaps == 0) ++m.customers_without_flaps;
  }
  std::sort(m.arrival_reports.values.begin(), m.arrival_reports.values.end());
  std::sort(m.arrival_seconds.values.begin(), m.arrival_seconds.values.end());
  std::sort(m.entrance_reports.values.begin(), m.entrance_reports.values.end());
  return m;
}

double leave_delay_seconds(const CustomerTrack& track, std::chrono::milliseconds report_interval,
                           domain::Timestamp detected_at) {
  const domain::Timestamp gone = track.points.back().at + report_interval;
  return Seconds(detected_at - gone).count();
}

}  // namespace tastesync::testing
