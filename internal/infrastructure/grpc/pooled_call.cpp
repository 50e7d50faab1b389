#include "infrastructure/grpc/pooled_call.h"

#include <string>
#include <utility>

#include "error_details.pb.h"
#include "status.pb.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

// gRPC's deadline is on the system clock; the pool measures on the steady one.
std::chrono::steady_clock::time_point steady_deadline(std::chrono::system_clock::time_point deadline) {
  if (deadline == std::chrono::system_clock::time_point::max()) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::now() + (deadline - std::chrono::system_clock::now());
}

}  // namespace

grpc::Status shed_status(Shed reason, std::chrono::milliseconds retry_after) {
  switch (reason) {
    case Shed::kDeadlinePassed:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, "the deadline passed while the request waited; it was not run"};
    case Shed::kCallerGone:
      return {grpc::StatusCode::CANCELLED, "the call was cancelled while it waited; it was not run"};
    case Shed::kQueueFull:
    case Shed::kQueueDelay:
    case Shed::kStopping: break;
  }
  const std::string message = std::string("server overloaded (") + to_string(reason) +
                              "): the request was not run; retry after " + std::to_string(retry_after.count()) +
                              " ms, with the same request_id";
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(retry_after.count() / 1000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int>((retry_after.count() % 1000) * 1000000));
  google::rpc::Status status;
  status.set_code(static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  status.set_message(message);
  status.add_details()->PackFrom(retry);
  return {grpc::StatusCode::UNAVAILABLE, message, status.SerializeAsString()};
}

void run_pooled(WorkerPool* workers, grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                std::function<void()> handle) {
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
