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
  count_answer(metrics_, signal, *result);
  return result;
}

void MeteredIdentifyCustomer::identify_without_waiting(const Principal& caller, const IdentifyRequest& request,
                                                       LaterAnswer done) {
  const char* signal = request.table_qr.empty() ? "beacons" : "table_qr";
  inner_.identify_without_waiting(
      caller, request, [this, signal, done = std::move(done)](std::optional<domain::Result<IdentifyResponse>> answer) {
        if (answer) {
          if (*answer) {
            count_answer(metrics_, signal, **answer);
          } else {
            metrics_.identification(signal, domain::to_string(answer->error().code));
          }
        }
        done(std::move(answer));
      });
}

void count_answer(MetricsPort& metrics, const char* signal, const IdentifyResponse& answer) {
  if (answer.replayed) {
    // The first answer again: its transition was counted when it happened.
    metrics.identification(signal, "replayed");
    return;
  }
  metrics.identification(signal, "identified");
  if (answer.location_changed) {
    metrics.transition(answer.location.zone_kind == domain::ZoneKind::kEntrance ? "entrance" : "table");
  }
}

domain::Result<IdentifyResponse> MeteredStoreScanner::report_phone_beacon(const Principal& caller,
                                                                          const PhoneBeaconReport& report) {
  return counted("phone_beacon", inner_.report_phone_beacon(caller, report));
}

domain::Result<IdentifyResponse> MeteredStoreScanner::scan_customer_code(const Principal& caller,
                                                                         const CustomerCodeScan& scan) {
  return counted("entrance_code", inner_.scan_customer_code(caller, scan));
}

domain::Result<IdentifyResponse> MeteredStoreScanner::counted(const char* signal,
                                                              domain::Result<IdentifyResponse> result) {
  if (!result) {
    metrics_.identification(signal, domain::to_string(result.error().code));
  } else {
    count_answer(metrics_, signal, *result);
  }
  return result;
}

}  // namespace tastesync::application
