#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/error.h"
#include "domain/services/travel.h"

namespace tastesync::domain {

enum class ZoneKind { kEntrance, kTable };

// Where the floor page draws a zone: a rectangle in metres from the plan's
// top-left corner. Only a drawing aid; the zone filter reads FloorPosition.
struct ZoneLayout {
  double x = 0.0;
  double y = 0.0;
  double width = 0.0;
  double height = 0.0;
};

// Where a customer in the zone is, on the store's floor plan: metres from the
// plan's top-left corner, the frame the layout is drawn in. Only distances
// between zones matter: they decide which zones are neighbours (a customer
// walks to the next table, not across the room in one report) and how loud
// another zone's beacon should be there. Given by the owner (AddZone, the
// floor-plan file), never derived from the layout: a drawing need not be to
// scale, and a wrong distance misleads the filter more than none
// (docs/accuracy.md).
struct FloorPosition {
  double x_m = 0.0;
  double y_m = 0.0;
};

// A place in a store where the service can say a customer is.
struct Zone {
  std::string id;  // unique within the store, e.g. "table-3"
  std::string store_id;
  ZoneKind kind = ZoneKind::kTable;
  std::string label;  // what staff call it: "Table 3", "Entrance"
  // Defaulted so four-member initialisers stay valid; absent: the page lays
  // the zone out itself.
  std::optional<ZoneLayout> layout = std::nullopt;
  std::optional<FloorPosition> position = std::nullopt;  // absent: every zone counts as a neighbour
};

// kInvalidArgument naming `field`.x|y|width|height when a value is not a
// finite number in range (x, y 0..1000; width, height above 0, at most 1000).
Result<void> check_layout(const ZoneLayout& layout, const std::string& field);

// kInvalidArgument naming `field`.x|y when a value is not a finite number
// from 0 to 1000 (metres, like the layout).
Result<void> check_position(const FloorPosition& position, const std::string& field);

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
