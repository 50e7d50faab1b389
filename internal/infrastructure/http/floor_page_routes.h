#pragma once

#include "application/ports/rate_limiter_port.h"
#include "application/ports/token_verifier_port.h"
#include "application/use_cases/store_analytics_use_case.h"
#include "application/use_cases/store_floor_use_case.h"
#include "infrastructure/grpc/worker_pool.h"
#include "infrastructure/http/router.h"

namespace tastesync::infrastructure::http {

struct FloorPageDependencies {
  application::StoreFloorUseCase& floor;
  const application::StoreAnalyticsUseCase& analytics;
  const application::TokenVerifierPort& tokens;
  grpc_adapter::WorkerPool* workers = nullptr;  // as JsonApiDependencies
  application::RateLimiterPort* limits = nullptr;
};

// The staff pages on the HTTPS listener:
//   GET /floor/ (and its script and style sheet)   the page; static, no data
//   GET /v1/stores/{store_id}/floor/events          server-sent events, one per change
//   GET /v1/stores/{store_id}/analytics.csv         GetStoreAnalytics as CSV
// The data routes admit the caller as GetStoreFloor / GetStoreAnalytics do
// (Authorization: Bearer), then the use cases check the store. The
// dependencies outlive the router.
void add_floor_page_routes(Router& router, const FloorPageDependencies& dependencies);

}  // namespace tastesync::infrastructure::http
