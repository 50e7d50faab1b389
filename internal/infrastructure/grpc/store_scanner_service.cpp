#include "infrastructure/grpc/store_scanner_service.h"
#include "infrastructure/grpc/pooled_call.h"

#include <chrono>
#include <functional>

#include "infrastructure/grpc/authenticate.h"
#include "infrastructure/grpc/proto_mapping.h"
#include "infrastructure/grpc/rpc_roles.h"
#include "infrastructure/grpc/scanner_proto_mapping.h"
#include "infrastructure/grpc/status_mapping.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

namespace pb = ::tastesync::customer_id::v1;

// Runs `work` on the pool (or here without one) and finishes the call with
// its status; `work` fills the response.
grpc::ServerUnaryReactor* dispatch(grpc::CallbackServerContext* context, WorkerPool* workers,
                                   std::function<domain::Result<void>()> work, const char* what) {
  auto* reactor = context->DefaultReactor();
  auto run = [reactor, work = std::move(work), what] {
    const auto result = work();
    if (!result) {
      log::info(what, {{"status", domain::to_string(result.error().code)},
                       {"field", result.error().field},
                       {"reason", result.error().message}});
      reactor->Finish(to_grpc_status(result.error()));
      return;
    }
    reactor->Finish(grpc::Status::OK);
  };
  run_pooled(workers, context, reactor, std::move(run));
  return reactor;
}

}  // namespace

StoreScannerGrpcService::StoreScannerGrpcService(application::StoreScannerPort& scanner,
                                                 const application::TokenVerifierPort& tokens, WorkerPool* workers,
                                                 application::RateLimiterPort* limits)
    : scanner_(scanner), tokens_(tokens), workers_(workers), limits_(limits) {}

grpc::ServerUnaryReactor* StoreScannerGrpcService::ReportPhoneBeacon(grpc::CallbackServerContext* context,
                                                                     const pb::ReportPhoneBeaconRequest* request,
                                                                     pb::IdentifyResponse* response) {
  return dispatch(
      context, workers_,
      [this, context, request, response]() -> domain::Result<void> {
        const log::RequestScope scope(request->request_id().substr(0, 128));
        auto caller = admit_caller(*context, tokens_, limits_, rpc::kReportPhoneBeacon);
        if (!caller) return std::unexpected(caller.error());
        auto report = from_proto(*request);
        if (!report) return std::unexpected(report.error());
        auto result = scanner_.report_phone_beacon(*caller, *report);
        if (!result) return std::unexpected(result.error());
        to_proto(*result, *response);
        return {};
      },
      "scanner.phone_beacon.rejected");
}

grpc::ServerUnaryReactor* StoreScannerGrpcService::ScanCustomerCode(grpc::CallbackServerContext* context,
                                                                    const pb::ScanCustomerCodeRequest* request,
                                                                    pb::IdentifyResponse* response) {
  return dispatch(
      context, workers_,
      [this, context, request, response]() -> domain::Result<void> {
        const log::RequestScope scope(request->request_id().substr(0, 128));
        auto caller = admit_caller(*context, tokens_, limits_, rpc::kScanCustomerCode);
        if (!caller) return std::unexpected(caller.error());
        auto result = scanner_.scan_customer_code(*caller, from_proto(*request));
        if (!result) return std::unexpected(result.error());
        to_proto(*result, *response);
        return {};
      },
      "scanner.customer_code.rejected");
}

CustomerCredentialsGrpcService::CustomerCredentialsGrpcService(application::CustomerCredentialsPort& credentials,
                                                               const application::TokenVerifierPort& tokens,
                                                               WorkerPool* workers,
                                                               application::RateLimiterPort* limits)
    : credentials_(credentials), tokens_(tokens), workers_(workers), limits_(limits) {}

grpc::ServerUnaryReactor* CustomerCredentialsGrpcService::RegisterPhone(grpc::CallbackServerContext* context,
                                                                        const pb::RegisterPhoneRequest*,
                                                                        pb::RegisterPhoneResponse* response) {
  return dispatch(
      context, workers_,
      [this, context, response]() -> domain::Result<void> {
        auto caller = admit_caller(*context, tokens_, limits_, rpc::kRegisterPhone);
        if (!caller) return std::unexpected(caller.error());
        auto phone = credentials_.register_phone(*caller);
        if (!phone) return std::unexpected(phone.error());
        to_proto(*phone, *response);
        // Device ids only: the secret never reaches a log.
        log::info("phone.registered", {{"customer_id", caller->subject}, {"device_id", phone->device_id}});
        return {};
      },
      "phone.register.rejected");
}

grpc::ServerUnaryReactor* CustomerCredentialsGrpcService::IssueEntranceCode(grpc::CallbackServerContext* context,
                                                                            const pb::IssueEntranceCodeRequest*,
                                                                            pb::IssueEntranceCodeResponse* response) {
  return dispatch(
      context, workers_,
      [this, context, response]() -> domain::Result<void> {
        auto caller = admit_caller(*context, tokens_, limits_, rpc::kIssueEntranceCode);
        if (!caller) return std::unexpected(caller.error());
        auto code = credentials_.issue_entrance_code(*caller);
        if (!code) return std::unexpected(code.error());
        to_proto(*code, *response);
        return {};
      },
      "entrance_code.rejected");
}

}  // namespace tastesync::infrastructure::grpc_adapter
