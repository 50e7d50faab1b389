#include "infrastructure/grpc/admin_service.h"

#include <chrono>

#include "infrastructure/grpc/admin_proto_mapping.h"
#include "infrastructure/grpc/authenticate.h"
#include "infrastructure/grpc/calibration_proto_mapping.h"
#include "infrastructure/grpc/pooled_call.h"
#include "infrastructure/grpc/rpc_roles.h"
#include "infrastructure/grpc/status_mapping.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

namespace v1 = ::tastesync::customer_id::v1;

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

// Lets a Result<T> call fill its response and report as Result<void>.
template <typename T, typename Fill>
domain::Result<void> then(domain::Result<T> result, Fill&& fill) {
  if (!result) return std::unexpected(result.error());
  fill(*result);
  return {};
}

domain::Result<void> not_served(const char* rpc_name) {
  return domain::fail(domain::ErrorCode::kFailedPrecondition, std::string(rpc_name) + " is not served here");
}

}  // namespace

AdminGrpcService::AdminGrpcService(application::AdminUseCases& admin, const application::TokenVerifierPort& tokens,
                                   WorkerPool* workers, application::RateLimiterPort* limits,
                                   const application::StoreFloorUseCase* floor,
                                   const application::StoreAnalyticsUseCase* analytics,
                                   application::CalibrationUseCase* calibration)
    : admin_(admin),
      tokens_(tokens),
      workers_(workers),
      limits_(limits),
      floor_(floor),
      analytics_(analytics),
      calibration_(calibration) {}

template <typename Call>
grpc::ServerUnaryReactor* AdminGrpcService::serve(grpc::CallbackServerContext* context, std::string_view rpc,
                                                  Call call) {
  auto* reactor = context->DefaultReactor();
  // Admin work waits on PostgreSQL: it runs on the worker pool, never on
  // gRPC's callback threads. context, request and response stay valid
  // until Finish.
  run_pooled(workers_, context, reactor,
             [this, context, reactor, rpc, call = std::move(call)] { finish(context, reactor, rpc, call); });
  return reactor;
}

template <typename Call>
void AdminGrpcService::finish(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                              std::string_view rpc, const Call& call) {
  const auto started = std::chrono::steady_clock::now();
  auto caller = admit_caller(*context, tokens_, limits_, rpc);
  domain::Result<void> result = caller ? call(*caller) : domain::Result<void>(std::unexpected(caller.error()));
  // An audit trail of who changed what; messages never carry personal data.
  nlohmann::json fields = {{"rpc", rpc}, {"ms", elapsed_ms(started)}};
  if (caller) {
    fields["subject"] = caller->subject;
    fields["role"] = application::to_string(caller->role);
  }
  if (!result) {
    fields["status"] = domain::to_string(result.error().code);
    fields["field"] = result.error().field;
    fields["reason"] = result.error().message;
    log::info("admin.rejected", fields);
    reactor->Finish(to_grpc_status(result.error()));
    return;
  }
  log::info("admin.done", fields);
  reactor->Finish(grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminGrpcService::CreateStore(grpc::CallbackServerContext* context,
                                                        const v1::CreateStoreRequest* request,
                                                        v1::CreateStoreResponse* /*response*/) {
  return serve(context, rpc::kCreateStore, [this, request](const application::Principal& caller) {
    return admin_.create_store(caller, from_proto(*request));
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::AddZone(grpc::CallbackServerContext* context,
                                                    const v1::AddZoneRequest* request,
                                                    v1::AddZoneResponse* /*response*/) {
  return serve(context, rpc::kAddZone, [this, request](const application::Principal& caller) {
    return admin_.add_zone(caller, from_proto(*request));
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::RegisterBeacon(grpc::CallbackServerContext* context,
                                                           const v1::RegisterBeaconRequest* request,
                                                           v1::RegisterBeaconResponse* /*response*/) {
  return serve(context, rpc::kRegisterBeacon, [this, request](const application::Principal& caller) {
    return admin_.register_beacon(caller, from_proto(*request));
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::RetireBeacon(grpc::CallbackServerContext* context,
                                                         const v1::RetireBeaconRequest* request,
                                                         v1::RetireBeaconResponse* /*response*/) {
  return serve(context, rpc::kRetireBeacon, [this, request](const application::Principal& caller) {
    return admin_.retire_beacon(caller, from_proto(*request));
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::ImportFingerprints(grpc::CallbackServerContext* context,
                                                               const v1::ImportFingerprintsRequest* request,
                                                               v1::ImportFingerprintsResponse* response) {
  return serve(context, rpc::kImportFingerprints,
               [this, request, response](const application::Principal& caller) -> domain::Result<void> {
                 if (calibration_ == nullptr) return not_served("ImportFingerprints");
                 auto command = from_proto(*request);
                 if (!command) return std::unexpected(command.error());
                 return then(calibration_->import_fingerprints(caller, *command),
                             [&](const application::CalibrationUpdate& update) { to_proto(update, *response); });
               });
}

grpc::ServerUnaryReactor* AdminGrpcService::RecordCalibration(grpc::CallbackServerContext* context,
                                                              const v1::RecordCalibrationRequest* request,
                                                              v1::RecordCalibrationResponse* response) {
  return serve(context, rpc::kRecordCalibration,
               [this, request, response](const application::Principal& caller) -> domain::Result<void> {
                 if (calibration_ == nullptr) return not_served("RecordCalibration");
                 auto command = from_proto(*request);
                 if (!command) return std::unexpected(command.error());
                 return then(calibration_->record(caller, *command),
                             [&](const application::CalibrationUpdate& update) { to_proto(update, *response); });
               });
}

grpc::ServerUnaryReactor* AdminGrpcService::GetCalibrationReport(grpc::CallbackServerContext* context,
                                                                 const v1::GetCalibrationReportRequest* request,
                                                                 v1::CalibrationReport* response) {
  return serve(context, rpc::kGetCalibrationReport,
               [this, request, response](const application::Principal& caller) -> domain::Result<void> {
                 if (calibration_ == nullptr) return not_served("GetCalibrationReport");
                 return then(calibration_->report(caller, request->store_id()),
                             [&](const application::StoreCalibration& found) { to_proto(found, *response); });
               });
}

grpc::ServerUnaryReactor* AdminGrpcService::RegisterCustomer(grpc::CallbackServerContext* context,
                                                             const v1::RegisterCustomerRequest* request,
                                                             v1::RegisterCustomerResponse* /*response*/) {
  return serve(context, rpc::kRegisterCustomer, [this, request](const application::Principal& caller) {
    return admin_.register_customer(caller, from_proto(*request));
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::IssueTableQr(grpc::CallbackServerContext* context,
                                                         const v1::IssueTableQrRequest* request,
                                                         v1::IssueTableQrResponse* response) {
  return serve(context, rpc::kIssueTableQr, [this, request, response](const application::Principal& caller) {
    return then(admin_.issue_table_qr(caller, from_proto(*request)),
                [&](const application::TableQrCode& code) { to_proto(code, *response); });
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::GetStorePresence(grpc::CallbackServerContext* context,
                                                             const v1::GetStorePresenceRequest* request,
                                                             v1::GetStorePresenceResponse* response) {
  return serve(context, rpc::kGetStorePresence, [this, request, response](const application::Principal& caller) {
    return then(admin_.store_presence(caller, from_proto(*request)),
                [&](const std::vector<application::PresentCustomer>& customers) { to_proto(customers, *response); });
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::ListCustomerVisits(grpc::CallbackServerContext* context,
                                                               const v1::ListCustomerVisitsRequest* request,
                                                               v1::ListCustomerVisitsResponse* response) {
  return serve(context, rpc::kListCustomerVisits, [this, request, response](const application::Principal& caller) {
    return then(admin_.customer_visits(caller, from_proto(*request)),
                [&](const std::vector<domain::Visit>& visits) { to_proto(visits, *response); });
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::GetStoreFloor(grpc::CallbackServerContext* context,
                                                          const v1::GetStoreFloorRequest* request,
                                                          v1::GetStoreFloorResponse* response) {
  return serve(context, rpc::kGetStoreFloor, [this, request, response](const application::Principal& caller) {
    if (floor_ == nullptr) return not_served("GetStoreFloor");
    return then(floor_->floor(caller, request->store_id()),
                [&](const application::StoreFloor& floor) { to_proto(floor, *response); });
  });
}

grpc::ServerUnaryReactor* AdminGrpcService::GetStoreAnalytics(grpc::CallbackServerContext* context,
                                                              const v1::GetStoreAnalyticsRequest* request,
                                                              v1::GetStoreAnalyticsResponse* response) {
  return serve(context, rpc::kGetStoreAnalytics, [this, request, response](const application::Principal& caller) {
    if (analytics_ == nullptr) return not_served("GetStoreAnalytics");
    return then(analytics_->analytics(caller, from_proto(*request)),
                [&](const application::StoreAnalytics& figures) { to_proto(figures, *response); });
  });
}

}  // namespace tastesync::infrastructure::grpc_adapter
