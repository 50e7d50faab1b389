#pragma once

#include <functional>
#include <string>

#include "infrastructure/health/readiness.h"
#include "infrastructure/http/router.h"

namespace tastesync::infrastructure::http {

// GET /healthz (the process answers), GET /readyz (dependencies, 503 when not
// ready), GET /metrics (Prometheus text). None needs a token: orchestrators
// and Prometheus probe them without one, and none reveals a customer. The
// gateway's port is not meant to be published as is in production: Envoy
// (deploy/envoy) exposes only /v1/.
// `metrics_text` and `readiness` outlive the router.
void add_operations_routes(Router& router, const health::Readiness& readiness,
                           std::function<std::string()> metrics_text);

}  // namespace tastesync::infrastructure::http
