#pragma once

#include "admin.grpc.pb.h"
#include "application/ports/rate_limiter_port.h"
#include "application/ports/token_verifier_port.h"
#include "application/use_cases/admin_use_cases.h"
#include "application/use_cases/calibration_use_case.h"
#include "application/use_cases/store_analytics_use_case.h"
#include "application/use_cases/store_floor_use_case.h"
#include "infrastructure/grpc/worker_pool.h"

namespace tastesync::infrastructure::grpc_adapter {

// The Admin service over gRPC: authenticates the caller, translates the
// messages and maps errors. Which roles may call an RPC is rpc_roles.h's
// table; rules that depend on the request are the use cases'.
class AdminGrpcService final : public customer_id::v1::Admin::CallbackService {
 public:
  // All outlive the service. Without `workers` the calls run on gRPC's
  // threads (unit tests); `limits` is optional.
  // `floor` and `analytics` serve the staff pages' reads, `calibration` the
  // fingerprint RPCs; without them those RPCs answer FAILED_PRECONDITION.
  AdminGrpcService(application::AdminUseCases& admin, const application::TokenVerifierPort& tokens,
                   WorkerPool* workers = nullptr, application::RateLimiterPort* limits = nullptr,
                   const application::StoreFloorUseCase* floor = nullptr,
                   const application::StoreAnalyticsUseCase* analytics = nullptr,
                   application::CalibrationUseCase* calibration = nullptr);

  grpc::ServerUnaryReactor* CreateStore(grpc::CallbackServerContext* context,
                                        const customer_id::v1::CreateStoreRequest* request,
                                        customer_id::v1::CreateStoreResponse* response) override;
  grpc::ServerUnaryReactor* AddZone(grpc::CallbackServerContext* context,
                                    const customer_id::v1::AddZoneRequest* request,
                                    customer_id::v1::AddZoneResponse* response) override;
  grpc::ServerUnaryReactor* RegisterBeacon(grpc::CallbackServerContext* context,
                                           const customer_id::v1::RegisterBeaconRequest* request,
                                           customer_id::v1::RegisterBeaconResponse* response) override;
  grpc::ServerUnaryReactor* RetireBeacon(grpc::CallbackServerContext* context,
                                         const customer_id::v1::RetireBeaconRequest* request,
                                         customer_id::v1::RetireBeaconResponse* response) override;
  grpc::ServerUnaryReactor* RegisterCustomer(grpc::CallbackServerContext* context,
                                             const customer_id::v1::RegisterCustomerRequest* request,
                                             customer_id::v1::RegisterCustomerResponse* response) override;
  grpc::ServerUnaryReactor* IssueTableQr(grpc::CallbackServerContext* context,
                                         const customer_id::v1::IssueTableQrRequest* request,
                                         customer_id::v1::IssueTableQrResponse* response) override;
  grpc::ServerUnaryReactor* GetStorePresence(grpc::CallbackServerContext* context,
                                             const customer_id::v1::GetStorePresenceRequest* request,
                                             customer_id::v1::GetStorePresenceResponse* response) override;
  grpc::ServerUnaryReactor* ListCustomerVisits(grpc::CallbackServerContext* context,
                                               const customer_id::v1::ListCustomerVisitsRequest* request,
                                               customer_id::v1::ListCustomerVisitsResponse* response) override;
  grpc::ServerUnaryReactor* ImportFingerprints(grpc::CallbackServerContext* context,
                                               const customer_id::v1::ImportFingerprintsRequest* request,
                                               customer_id::v1::ImportFingerprintsResponse* response) override;
  grpc::ServerUnaryReactor* RecordCalibration(grpc::CallbackServerContext* context,
                                              const customer_id::v1::RecordCalibrationRequest* request,
                                              customer_id::v1::RecordCalibrationResponse* response) override;
  grpc::ServerUnaryReactor* GetCalibrationReport(grpc::CallbackServerContext* context,
                                                 const customer_id::v1::GetCalibrationReportRequest* request,
                                                 customer_id::v1::CalibrationReport* response) override;
  grpc::ServerUnaryReactor* GetStoreFloor(grpc::CallbackServerContext* context,
                                          const customer_id::v1::GetStoreFloorRequest* request,
                                          customer_id::v1::GetStoreFloorResponse* response) override;
  grpc::ServerUnaryReactor* GetStoreAnalytics(grpc::CallbackServerContext* context,
                                              const customer_id::v1::GetStoreAnalyticsRequest* request,
                                              customer_id::v1::GetStoreAnalyticsResponse* response) override;

 private:
  // On the worker pool: authenticates, runs `call(principal)` (a
  // Result<void> that fills the response), logs the outcome and finishes
  // the reactor.
  template <typename Call>
  grpc::ServerUnaryReactor* serve(grpc::CallbackServerContext* context, std::string_view rpc, Call call);
  template <typename Call>
  void finish(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor, std::string_view rpc,
              const Call& call);

  application::AdminUseCases& admin_;
  const application::TokenVerifierPort& tokens_;
  WorkerPool* workers_;
  application::RateLimiterPort* limits_;
  const application::StoreFloorUseCase* floor_;
  const application::StoreAnalyticsUseCase* analytics_;
  application::CalibrationUseCase* calibration_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
