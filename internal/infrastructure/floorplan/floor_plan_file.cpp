#include "infrastructure/floorplan/floor_plan_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

namespace tastesync::infrastructure {
namespace {

using domain::ErrorCode;
using domain::fail;

domain::Result<std::string> required_text(const YAML::Node& node, const std::string& key, const std::string& where) {
  const YAML::Node value = node[key];
  if (!value || !value.IsScalar() || value.Scalar().empty()) {
    return fail(ErrorCode::kInvalidArgument, where + ": '" + key + "' is required", key);
  }
  return value.Scalar();
}

using MetresField = std::pair<const char*, double*>;

// A map of numbers in metres under `field`, every one of `parts` required;
// false when the map is absent.
domain::Result<bool> read_metres(const YAML::Node& map, const std::string& field, const char* shape,
                                 std::initializer_list<MetresField> parts) {
  if (!map) return false;
  if (!map.IsMap()) return fail(ErrorCode::kInvalidArgument, std::string("must be a map of ") + shape, field);
  for (auto [key, target] : parts) {
    try {
      if (!map[key]) return fail(ErrorCode::kInvalidArgument, "is required", field + "." + key);
      *target = map[key].as<double>();
    } catch (const YAML::Exception&) {
      return fail(ErrorCode::kInvalidArgument, "must be a number (metres)", field + "." + key);
    }
  }
  return true;
}

// `layout: {x: 1, y: 0.5, width: 1.2, height: 0.8}`, metres; all four or
// no layout at all.
domain::Result<std::optional<domain::ZoneLayout>> read_layout(const YAML::Node& node, const std::string& where) {
  const std::string field = where + ".layout";
  domain::ZoneLayout out;
  auto present = read_metres(node["layout"], field, "x, y, width, height",
                             {{"x", &out.x}, {"y", &out.y}, {"width", &out.width}, {"height", &out.height}});
  if (!present) return std::unexpected(present.error());
  if (!*present) return std::optional<domain::ZoneLayout>{};
  if (auto ok = domain::check_layout(out, field); !ok) return std::unexpected(ok.error());
  return std::optional<domain::ZoneLayout>{out};
}

// `position: {x: 2.1, y: 1.2}`, metres in the layout's frame; both or none.
domain::Result<std::optional<domain::FloorPosition>> read_position(const YAML::Node& node, const std::string& where) {
  const std::string field = where + ".position";
  domain::FloorPosition out;
  auto present = read_metres(node["position"], field, "x, y", {{"x", &out.x_m}, {"y", &out.y_m}});
  if (!present) return std::unexpected(present.error());
  if (!*present) return std::optional<domain::FloorPosition>{};
  if (auto ok = domain::check_position(out, field); !ok) return std::unexpected(ok.error());
  return std::optional<domain::FloorPosition>{out};
}

domain::Result<domain::Zone> read_zone(const YAML::Node& node, const std::string& where) {
  domain::Zone zone;
  auto id = required_text(node, "id", where);
  if (!id) return std::unexpected(id.error());
  zone.id = *id;
  auto kind = required_text(node, "kind", where + " zone '" + zone.id + "'");
  if (!kind) return std::unexpected(kind.error());
  if (*kind == "entrance") {
    zone.kind = domain::ZoneKind::kEntrance;
  } else if (*kind == "table") {
    zone.kind = domain::ZoneKind::kTable;
  } else {
    return fail(ErrorCode::kInvalidArgument, where + " zone '" + zone.id + "': kind must be entrance or table", "kind");
  }
  zone.label = node["label"] ? node["label"].as<std::string>() : zone.id;
  auto layout = read_layout(node, "zone '" + zone.id + "'");
  if (!layout) return std::unexpected(layout.error());
  zone.layout = *layout;
  auto position = read_position(node, "zone '" + zone.id + "'");
  if (!position) return std::unexpected(position.error());
  zone.position = *position;
  return zone;
}

domain::Result<domain::Beacon> read_beacon(const YAML::Node& node, const std::string& store_id) {
  const std::string where = "store '" + store_id + "' beacon";
  domain::Beacon beacon;
  beacon.store_id = store_id;
  auto uuid_text = required_text(node, "uuid", where);
  if (!uuid_text) return std::unexpected(uuid_text.error());
  auto uuid = domain::BeaconUuid::parse(*uuid_text);
  if (!uuid) return fail(ErrorCode::kInvalidArgument, where + ": " + uuid.error().message, "uuid");
  beacon.key.uuid = *uuid;
  const int major = node["major"].as<int>(-1);
  const int minor = node["minor"].as<int>(-1);
  if (major < 0 || major > 65535 || minor < 0 || minor > 65535) {
    return fail(ErrorCode::kInvalidArgument, where + " " + *uuid_text + ": major and minor must be 0..65535", "major");
  }
  beacon.key.major = static_cast<std::uint16_t>(major);
  beacon.key.minor = static_cast<std::uint16_t>(minor);
  auto zone = required_text(node, "zone", where + " " + beacon.key.to_string());
  if (!zone) return std::unexpected(zone.error());
  beacon.zone_id = *zone;
  beacon.tx_power_1m = node["tx_power"].as<int>(-59);
  beacon.calibration_offset_db = node["calibration_offset_db"].as<double>(0.0);
  if (beacon.tx_power_1m < -127 || beacon.tx_power_1m > 20) {
    return fail(ErrorCode::kInvalidArgument, where + " " + beacon.key.to_string() + ": tx_power must be -127..20 dBm",
                "tx_power");
  }
  return beacon;
}

}  // namespace

domain::Result<domain::FloorPlan> parse_floor_plan(const std::string& yaml_text) {
  std::vector<domain::Store> stores;
  std::vector<domain::Beacon> beacons;
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    const YAML::Node list = root["stores"];
    if (!list || !list.IsSequence())
      return fail(ErrorCode::kInvalidArgument, "floor plan needs a 'stores' list", "stores");
    for (const YAML::Node& store_node : list) {
      domain::Store store;
      auto id = required_text(store_node, "id", "store");
      if (!id) return std::unexpected(id.error());
      store.id = *id;
      store.name = store_node["name"] ? store_node["name"].as<std::string>() : store.id;
      for (const YAML::Node& zone_node : store_node["zones"]) {
        auto zone = read_zone(zone_node, "store '" + store.id + "'");
        if (!zone) return std::unexpected(zone.error());
        store.zones.push_back(*zone);
      }
      for (const YAML::Node& beacon_node : store_node["beacons"]) {
        auto beacon = read_beacon(beacon_node, store.id);
        if (!beacon) return std::unexpected(beacon.error());
        beacons.push_back(*beacon);
      }
      stores.push_back(std::move(store));
    }
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidArgument, std::string("floor plan is not valid YAML: ") + e.what());
  }
  return domain::FloorPlan::build(std::move(stores), std::move(beacons));
}

domain::Result<domain::FloorPlan> load_floor_plan(const std::string& path) {
  std::ifstream file(path);
  if (!file) return fail(ErrorCode::kNotFound, "cannot read floor plan file '" + path + "'");
  std::stringstream text;
  text << file.rdbuf();
  auto plan = parse_floor_plan(text.str());
  // Read as a line ("FILE: zone 't'.position.x: must be ..."): the field
  // goes into the message, as API clients see it.
  if (!plan) plan.error().message = path + ": " + domain::describe(plan.error());
  return plan;
}

}  // namespace tastesync::infrastructure
