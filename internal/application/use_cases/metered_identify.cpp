#include "application/use_cases/metered_identify.h"

namespace tastesync::application {

domain::Result<IdentifyResponse> MeteredIdentifyCustomer::identify(const Principal& caller,
                                                                   const IdentifyRequest& request) {
  const char* signal = request.table_qr.empty() ? "beacons" : "table_qr";
  domain::Result<IdentifyResponse> result = inner_.identify(caller, request);
  if (!result) {
    metrics_.identification(signal, domain::to_string(result.error().code));
    return result;
  }
  metrics_.identification(signal, "identified");
  if (result->location_changed) {
    metrics_.transition(result->location.zone_kind == domain::ZoneKind::kEntrance ? "entrance" : "table");
  }
  return result;
}

}  // namespace tastesync::application
