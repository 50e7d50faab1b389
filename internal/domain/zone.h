#pragma once

#include <string>
#include <vector>

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
};

const char* to_string(ZoneKind kind);

}  // namespace tastesync::domain
