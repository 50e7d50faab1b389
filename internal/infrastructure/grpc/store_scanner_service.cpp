#include "infrastructure/grpc/store_scanner_service.h"

#include "infrastructure/grpc/unary_call.h"

namespace tastesync::infrastructure::grpc_adapter {

namespace pb = ::tastesync::customer_id::v1;

grpc::ServerUnaryReactor* StoreScannerGrpcService::ReportPhoneBeacon(grpc::CallbackServerContext* context,
                                                                     const pb::ReportPhoneBeaconRequest* request,
                                                                     pb::IdentifyResponse* response) {
  return serve(rpcs::kReportPhoneBeacon, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* StoreScannerGrpcService::ScanCustomerCode(grpc::CallbackServerContext* context,
                                                                    const pb::ScanCustomerCodeRequest* request,
                                                                    pb::IdentifyResponse* response) {
  return serve(rpcs::kScanCustomerCode, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* CustomerCredentialsGrpcService::RegisterPhone(grpc::CallbackServerContext* context,
                                                                        const pb::RegisterPhoneRequest* request,
                                                                        pb::RegisterPhoneResponse* response) {
  return serve(rpcs::kRegisterPhone, uses_, gate_, context, request, response);
}

grpc::ServerUnaryReactor* CustomerCredentialsGrpcService::IssueEntranceCode(grpc::CallbackServerContext* context,
                                                                            const pb::IssueEntranceCodeRequest* request,
                                                                            pb::IssueEntranceCodeResponse* response) {
  return serve(rpcs::kIssueEntranceCode, uses_, gate_, context, request, response);
}

}  // namespace tastesync::infrastructure::grpc_adapter
