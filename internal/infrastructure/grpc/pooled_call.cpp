#include "infrastructure/grpc/pooled_call.h"

#include <utility>

#include "infrastructure/grpc/status_mapping.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

// gRPC's deadline is on the system clock; the pool measures on the steady one.
std::chrono::steady_clock::time_point steady_deadline(std::chrono::system_clock::time_point deadline) {
  // "No deadline" is the system clock's maximum; anything beyond a day is as
  // good as none, and converting it could overflow.
  const auto left = deadline - std::chrono::system_clock::now();
  if (left > std::chrono::hours(24)) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::now() + left;
}

}  // namespace

void run_pooled(WorkerPool* workers, grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                std::function<void()> handle) {
  // A handler that throws (a bug: errors are values here) fails its call,
  // not the process: on a worker thread the exception would end everything.
  handle = [handle = std::move(handle), reactor] {
    try {
      handle();
    } catch (const std::exception& e) {
      infrastructure::log::error("grpc.handler_failed", {{"reason", e.what()}});
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "internal error"));
    }
  };
  if (workers == nullptr) {
    handle();
    return;
  }
  const auto retry_after = workers->retry_after();
  WorkerJob job{.run = std::move(handle),
                .shed = [reactor, retry_after](Shed why) { reactor->Finish(shed_status(why, retry_after)); },
                .deadline = steady_deadline(context->deadline()),
                .caller_gone = [context] { return context->IsCancelled(); }};
  if (auto refused = workers->post(std::move(job))) reactor->Finish(shed_status(*refused, retry_after));
}

}  // namespace tastesync::infrastructure::grpc_adapter
