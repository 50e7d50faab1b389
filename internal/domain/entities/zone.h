#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/services/travel.h"

namespace tastesync::domain {

enum class ZoneKind { kEntrance, kTable };

// Where a zone lies on the store's floor plan (metres, any fixed origin). Only
// distances between zones matter: they decide which zones are neighbours (a
// customer walks to the next table, not across the room in one report) and
// how loud another zone's beacon should be there.
struct FloorPosition {
  double x_m = 0.0;
  double y_m = 0.0;
};

// A place in a store where the service can say a customer is.
struct Zone {
  std::string id;  // unique within the store, e.g. "table-3"
  std::string store_id;
  ZoneKind kind = ZoneKind::kTable;
  std::string label;                                     // what staff call it: "Table 3", "Entrance"
  std::optional<FloorPosition> position = std::nullopt;  // absent: every zone counts as a neighbour
};

struct Store {
  std::string id;
  std::string name;
  std::vector<Zone> zones;
  // Where the restaurant is; needed to tell an impossible jump between two
  // stores from a customer walking next door. Absent: not checked.
  std::optional<GeoPoint> location = std::nullopt;
};

const char* to_string(ZoneKind kind);

}  // namespace tastesync::domain
