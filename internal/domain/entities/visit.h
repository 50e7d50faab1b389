#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities/presence.h"
#include "domain/entities/sighting.h"

namespace tastesync::domain {

// One zone a customer was placed in during a visit, and when.
struct ZoneStay {
  std::string zone_id;
  Timestamp since{};
};

// A customer's time in one store, from entering to leaving.
struct Visit {
  std::string visit_id;
  std::string customer_id;
  std::string store_id;
  Timestamp entered_at{};
  std::optional<Timestamp> left_at;
  std::vector<ZoneStay> zones;  // in order
};

// Who is in a store right now.
struct CustomerPresence {
  std::string customer_id;
  Presence presence;
};

}  // namespace tastesync::domain
