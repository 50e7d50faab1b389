#pragma once

#include "admin.grpc.pb.h"
#include "infrastructure/grpc/rpc_table.h"

namespace tastesync::infrastructure::grpc_adapter {

// The Admin service over gRPC: each method is its row of rpc_table.h, served
// the one way (unary_call.h): on the worker pool, as all of them wait on
// PostgreSQL.
class AdminGrpcService final : public customer_id::v1::Admin::CallbackService {
 public:
  // What `uses` and `gate` point to outlives the service.
  AdminGrpcService(const RpcUseCases& uses, const RpcGate& gate) : uses_(uses), gate_(gate) {}

  grpc::ServerUnaryReactor* CreateStore(grpc::CallbackServerContext* context,
                                        const customer_id::v1::CreateStoreRequest* request,
                                        customer_id::v1::CreateStoreResponse* response) override;
  grpc::ServerUnaryReactor* AddZone(grpc::CallbackServerContext* context,
                                    const customer_id::v1::AddZoneRequest* request,
                                    customer_id::v1::AddZoneResponse* response) override;
  grpc::ServerUnaryReactor* UpdateZone(grpc::CallbackServerContext* context,
                                       const customer_id::v1::UpdateZoneRequest* request,
                                       customer_id::v1::UpdateZoneResponse* response) override;
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
  RpcUseCases uses_;
  RpcGate gate_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
