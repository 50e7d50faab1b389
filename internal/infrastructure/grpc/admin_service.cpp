#include "infrastructure/grpc/admin_service.h"

#include "infrastructure/grpc/unary_call.h"

namespace tastesync::infrastructure::grpc_adapter {

namespace v1 = ::tastesync::customer_id::v1;

grpc::ServerUnaryReactor* AdminGrpcService::CreateStore(grpc::CallbackServerContext* context,
                                                        const v1::CreateStoreRequest* request,
                                                        v1::CreateStoreResponse* response) {
  return serve(rpcs::kCreateStore, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::AddZone(grpc::CallbackServerContext* context,
                                                    const v1::AddZoneRequest* request, v1::AddZoneResponse* response) {
  return serve(rpcs::kAddZone, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::UpdateZone(grpc::CallbackServerContext* context,
                                                       const v1::UpdateZoneRequest* request,
                                                       v1::UpdateZoneResponse* response) {
  return serve(rpcs::kUpdateZone, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::RegisterBeacon(grpc::CallbackServerContext* context,
                                                           const v1::RegisterBeaconRequest* request,
                                                           v1::RegisterBeaconResponse* response) {
  return serve(rpcs::kRegisterBeacon, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::RetireBeacon(grpc::CallbackServerContext* context,
                                                         const v1::RetireBeaconRequest* request,
                                                         v1::RetireBeaconResponse* response) {
  return serve(rpcs::kRetireBeacon, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::RegisterCustomer(grpc::CallbackServerContext* context,
                                                             const v1::RegisterCustomerRequest* request,
                                                             v1::RegisterCustomerResponse* response) {
  return serve(rpcs::kRegisterCustomer, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::IssueTableQr(grpc::CallbackServerContext* context,
                                                         const v1::IssueTableQrRequest* request,
                                                         v1::IssueTableQrResponse* response) {
  return serve(rpcs::kIssueTableQr, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::GetStorePresence(grpc::CallbackServerContext* context,
                                                             const v1::GetStorePresenceRequest* request,
                                                             v1::GetStorePresenceResponse* response) {
  return serve(rpcs::kGetStorePresence, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::ListCustomerVisits(grpc::CallbackServerContext* context,
                                                               const v1::ListCustomerVisitsRequest* request,
                                                               v1::ListCustomerVisitsResponse* response) {
  return serve(rpcs::kListCustomerVisits, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::ImportFingerprints(grpc::CallbackServerContext* context,
                                                               const v1::ImportFingerprintsRequest* request,
                                                               v1::ImportFingerprintsResponse* response) {
  return serve(rpcs::kImportFingerprints, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::RecordCalibration(grpc::CallbackServerContext* context,
                                                              const v1::RecordCalibrationRequest* request,
                                                              v1::RecordCalibrationResponse* response) {
  return serve(rpcs::kRecordCalibration, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::GetCalibrationReport(grpc::CallbackServerContext* context,
                                                                 const v1::GetCalibrationReportRequest* request,
                                                                 v1::CalibrationReport* response) {
  return serve(rpcs::kGetCalibrationReport, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::GetStoreFloor(grpc::CallbackServerContext* context,
                                                          const v1::GetStoreFloorRequest* request,
                                                          v1::GetStoreFloorResponse* response) {
  return serve(rpcs::kGetStoreFloor, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* AdminGrpcService::GetStoreAnalytics(grpc::CallbackServerContext* context,
                                                              const v1::GetStoreAnalyticsRequest* request,
                                                              v1::GetStoreAnalyticsResponse* response) {
  return serve(rpcs::kGetStoreAnalytics, uses_, gate_, context, request, response);
}

}  // namespace tastesync::infrastructure::grpc_adapter
