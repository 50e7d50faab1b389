#pragma once

#include "application/ports/customer_credentials_port.h"
#include "application/ports/identify_customer_port.h"
#include "application/ports/metrics_port.h"
#include "application/ports/rate_limiter_port.h"
#include "application/ports/store_scanner_port.h"
#include "application/ports/token_verifier_port.h"
#include "application/use_cases/admin_use_cases.h"
#include "application/use_cases/calibration_use_case.h"
#include "application/use_cases/store_analytics_use_case.h"
#include "application/use_cases/store_floor_use_case.h"
#include "infrastructure/grpc/worker_pool.h"
#include "infrastructure/http/router.h"

namespace tastesync::infrastructure::http {

struct JsonApiDependencies {
  application::IdentifyCustomerPort& identify;
  application::AdminUseCases& admin;
  application::StoreScannerPort& scanner;
  application::CustomerCredentialsPort& credentials;
  const application::TokenVerifierPort& tokens;
  // Where handlers run (they block on PostgreSQL/Redis): the pool the gRPC
  // Identify handlers use, so both transports share one bound. nullptr: on
  // the server's own threads.
  grpc_adapter::WorkerPool* workers = nullptr;
  // The callers' rate limits, shared with the gRPC services; nullptr: none.
  application::RateLimiterPort* limits = nullptr;
  bool baseline = false;  // also serve POST /v1/noop for `make bench`
  // The staff pages' reads (GetStoreFloor, GetStoreAnalytics); nullptr: not served.
  const application::StoreFloorUseCase* floor = nullptr;
  const application::StoreAnalyticsUseCase* analytics = nullptr;
  // ImportFingerprints, RecordCalibration, GetCalibrationReport; nullptr: not served.
  application::CalibrationUseCase* calibration = nullptr;
};

// Adds the HTTPS/JSON API to `router`: the gRPC methods at the paths their
// google.api.http annotations give (proto/customer_id.proto, admin.proto),
// bodies in protobuf's JSON mapping, the same use cases and role checks as
// the gRPC services (also store_scanner.proto). The dependencies outlive the router.
void add_json_api(Router& router, const JsonApiDependencies& dependencies);

}  // namespace tastesync::infrastructure::http
