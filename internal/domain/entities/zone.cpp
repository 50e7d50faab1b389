#include "domain/entities/zone.h"

#include <cmath>
#include <initializer_list>

namespace tastesync::domain {

namespace {

// A restaurant is not a kilometre long: larger numbers are a unit mistake.
constexpr double kMaxMetres = 1000.0;

struct Metres {
  const char* name;
  double value;
  bool positive;  // a size (above 0) rather than a coordinate (0 or more)
};

Result<void> check_metres(std::initializer_list<Metres> parts, const std::string& field) {
  for (const Metres& part : parts) {
    const bool in_range =
        std::isfinite(part.value) && part.value <= kMaxMetres && (part.positive ? part.value > 0.0 : part.value >= 0.0);
    if (!in_range) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string("must be ") + (part.positive ? "above 0" : "0 or more") + " and at most 1000 metres",
                  field + "." + part.name);
    }
  }
  return {};
}

}  // namespace

Result<void> check_layout(const ZoneLayout& layout, const std::string& field) {
  return check_metres(
      {{"x", layout.x, false}, {"y", layout.y, false}, {"width", layout.width, true}, {"height", layout.height, true}},
      field);
}

Result<void> check_position(const FloorPosition& position, const std::string& field) {
  return check_metres({{"x", position.x_m, false}, {"y", position.y_m, false}}, field);
}

const char* to_string(ZoneKind kind) { return kind == ZoneKind::kEntrance ? "ENTRANCE" : "TABLE"; }

}  // namespace tastesync::domain
