#include "domain/services/travel.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tastesync::domain {
namespace {

constexpr double kEarthRadiusKm = 6371.0088;
// Two points this close are the same place (neighbouring shop fronts, GPS
// error of the stored coordinates): never implausible.
constexpr double kSamePlaceKm = 0.2;

double radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

}  // namespace

bool is_valid(const GeoPoint& point) {
  return std::isfinite(point.latitude) && std::isfinite(point.longitude) && point.latitude >= -90.0 &&
         point.latitude <= 90.0 && point.longitude >= -180.0 && point.longitude <= 180.0;
}

double distance_km(const GeoPoint& from, const GeoPoint& to) {
  const double dlat = radians(to.latitude - from.latitude);
  const double dlon = radians(to.longitude - from.longitude);
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(radians(from.latitude)) *
                                                                 std::cos(radians(to.latitude)) * std::sin(dlon / 2) *
                                                                 std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

bool travel_is_plausible(const GeoPoint& from, const GeoPoint& to, Clock::duration elapsed, double max_speed_kmh) {
  const double km = distance_km(from, to);
  if (km <= kSamePlaceKm) return true;
  const double hours = std::max(0.0, std::chrono::duration<double, std::ratio<3600>>(elapsed).count());
  return km <= max_speed_kmh * hours;
}

}  // namespace tastesync::domain
