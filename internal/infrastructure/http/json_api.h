#pragma once

#include "infrastructure/grpc/rpc_table.h"
#include "infrastructure/http/router.h"

namespace tastesync::infrastructure::http {

struct JsonApiDependencies {
  // The use cases and the gate the gRPC services have: one bound on the
  // worker pool and one set of rate limits for both transports.
  grpc_adapter::RpcUseCases uses;
  grpc_adapter::RpcGate gate;
  bool baseline = false;  // also serve POST /v1/noop for `make bench`
};

// Adds the HTTPS/JSON API to `router`: every row of the RPC table
// (grpc/rpc_table.h) at its route, the path their google.api.http
// annotations give in proto/, bodies in protobuf's JSON mapping, and the
// same call path as over gRPC. What the dependencies point to outlives the
// router.
void add_json_api(Router& router, const JsonApiDependencies& dependencies);

}  // namespace tastesync::infrastructure::http
