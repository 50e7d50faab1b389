#include "domain/entities/zone.h"

namespace tastesync::domain {

const char* to_string(ZoneKind kind) { return kind == ZoneKind::kEntrance ? "ENTRANCE" : "TABLE"; }

}  // namespace tastesync::domain
