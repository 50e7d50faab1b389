#include "infrastructure/grpc/identification_service.h"

#include <chrono>

#include "infrastructure/grpc/authenticate.h"
#include "infrastructure/grpc/pooled_call.h"
#include "infrastructure/grpc/proto_mapping.h"
#include "infrastructure/grpc/rpc_roles.h"
#include "infrastructure/grpc/status_mapping.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

IdentificationGrpcService::IdentificationGrpcService(application::IdentifyCustomerPort& identify,
                                                     const application::TokenVerifierPort& tokens, WorkerPool* workers,
                                                     application::RateLimiterPort* limits)
    : identify_(identify), tokens_(tokens), workers_(workers), limits_(limits) {}

grpc::ServerUnaryReactor* IdentificationGrpcService::Identify(grpc::CallbackServerContext* context,
                                                              const customer_id::v1::IdentifyRequest* request,
                                                              customer_id::v1::IdentifyResponse* response) {
  auto* reactor = context->DefaultReactor();
  const auto arrived = std::chrono::steady_clock::now();
  // context, request and response stay valid until Finish.
  run_pooled(workers_, context, reactor, [this, context, request, response, reactor, arrived] {
    handle(context, request, response, reactor, arrived);
  });
  return reactor;
}

void IdentificationGrpcService::handle(grpc::CallbackServerContext* context,
                                       const customer_id::v1::IdentifyRequest* request,
                                       customer_id::v1::IdentifyResponse* response, grpc::ServerUnaryReactor* reactor,
                                       std::chrono::steady_clock::time_point arrived) {
  const double wait_ms = elapsed_ms(arrived);
  // Client-chosen: bounded so a hostile id cannot bloat the logs.
  const log::RequestScope scope(request->request_id().substr(0, 128));
  domain::Result<application::IdentifyResponse> result = [&]() -> domain::Result<application::IdentifyResponse> {
    auto caller = admit_caller(*context, tokens_, limits_, rpc::kIdentify);
    if (!caller) return std::unexpected(caller.error());
    auto command = from_proto(*request);
    if (!command) return std::unexpected(command.error());
    if (context->deadline() != std::chrono::system_clock::time_point::max()) {
      command->deadline = std::chrono::time_point_cast<domain::Clock::duration>(context->deadline());
    }
    return identify_.identify(*caller, *command);
  }();

  if (!result) {
    const grpc::Status status = to_grpc_status(result.error());
    log::info("identify.rejected", {{"status", domain::to_string(result.error().code)},
                                    {"field", result.error().field},
                                    {"reason", result.error().message},
                                    {"ms", elapsed_ms(arrived)}});
    reactor->Finish(status);
    return;
  }
  to_proto(*result, *response);
  if (result->replayed) {
    log::info(
        "identify.replayed",
        {{"customer_id", result->customer_id}, {"zone_id", result->location.zone_id}, {"ms", elapsed_ms(arrived)}});
  } else if (result->location_changed) {
    log::info("identify.moved", {{"customer_id", result->customer_id},
                                 {"store_id", result->location.store_id},
                                 {"zone_id", result->location.zone_id},
                                 {"events", result->event_ids.size()},
                                 {"ms", elapsed_ms(arrived)},
                                 {"wait_ms", wait_ms}});
  } else if (log::debug_enabled()) {
    log::debug(
        "identify",
        {{"customer_id", result->customer_id}, {"zone_id", result->location.zone_id}, {"ms", elapsed_ms(arrived)}});
  }
  reactor->Finish(grpc::Status::OK);
}

BaselineGrpcService::BaselineGrpcService(const application::TokenVerifierPort& tokens) : tokens_(tokens) {}

grpc::ServerUnaryReactor* BaselineGrpcService::Noop(grpc::CallbackServerContext* context,
                                                    const customer_id::v1::NoopRequest* request,
                                                    customer_id::v1::NoopResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (auto caller = admit_caller(*context, tokens_, nullptr, rpc::kNoop); !caller) {
    reactor->Finish(to_grpc_status(caller.error()));
    return reactor;
  }
  response->set_request_id(request->request_id());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace tastesync::infrastructure::grpc_adapter
