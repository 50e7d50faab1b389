#pragma once

#include <chrono>

#include "domain/entities/sighting.h"

namespace tastesync::domain {

// A point on Earth, WGS 84 degrees.
struct GeoPoint {
  double latitude = 0;   // -90..90
  double longitude = 0;  // -180..180
};

bool is_valid(const GeoPoint& point);

// Great-circle distance (haversine, mean Earth radius), km.
double distance_km(const GeoPoint& from, const GeoPoint& to);

// Whether someone seen at `from` could be at `to` after `elapsed`, moving at
// no more than `max_speed_kmh`. A customer's phone reporting from two
// restaurants farther apart than that is a cloned or replayed signal, not a
// customer: we must not say they are there.
bool travel_is_plausible(const GeoPoint& from, const GeoPoint& to, Clock::duration elapsed, double max_speed_kmh);

}  // namespace tastesync::domain
