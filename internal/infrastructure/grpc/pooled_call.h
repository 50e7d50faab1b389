#pragma once

// The one way a gRPC handler that blocks runs: on the worker pool, with the
// call's deadline and cancellation, and an immediate, retryable refusal when
// the pool is overloaded (see worker_pool.h).

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>

#include "infrastructure/grpc/worker_pool.h"

namespace tastesync::infrastructure::grpc_adapter {

// Runs `handle` on `workers` (or right here when there is no pool), which
// must Finish `reactor` itself; shed calls are finished here.
void run_pooled(WorkerPool* workers, grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                std::function<void()> handle);

}  // namespace tastesync::infrastructure::grpc_adapter
