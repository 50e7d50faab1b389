#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/services/travel.h"

namespace tastesync::domain {

enum class ZoneKind { kEntrance, kTable };

// A place in a store where the service can say a customer is.
struct Zone {
  std::string id;  // unique within the store, e.g. "table-3"
  std::string store_id;
  ZoneKind kind = ZoneKind::kTable;
  std::string label;  // what staff call it: "Table 3", "Entrance"
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
