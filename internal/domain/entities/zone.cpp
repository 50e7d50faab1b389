#include "domain/entities/zone.h"

#include <cmath>

namespace tastesync::domain {

namespace {

// A restaurant is not a kilometre long: larger numbers are a unit mistake.
constexpr double kMaxMetres = 1000.0;

}  // namespace

Result<void> check_layout(const ZoneLayout& layout, const std::string& field) {
  const struct {
    const char* name;
    double value;
    bool positive;
  } parts[] = {
      {"x", layout.x, false}, {"y", layout.y, false}, {"width", layout.width, true}, {"height", layout.height, true}};
  for (const auto& part : parts) {
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

const char* to_string(ZoneKind kind) { return kind == ZoneKind::kEntrance ? "ENTRANCE" : "TABLE"; }

}  // namespace tastesync::domain
