#include "infrastructure/grpc/rpc_roles.h"

#include <string>

namespace tastesync::infrastructure::grpc_adapter {

using application::Role;

const std::map<std::string_view, RoleSet>& rpc_roles() {
  static const std::map<std::string_view, RoleSet> table = {
      // The customer's phone reports what it sees; the customer is the token's subject.
      {rpc::kIdentify, {Role::kCustomer}},
      // bench only (bench.baseline_service): checks the token like every RPC.
      {rpc::kNoop, {Role::kCustomer, Role::kScanner, Role::kStaff, Role::kAdmin, Role::kService}},
      // The registry: floor plans, customers, printable QR codes.
      {rpc::kCreateStore, {Role::kAdmin}},
      {rpc::kAddZone, {Role::kAdmin}},
      {rpc::kRegisterBeacon, {Role::kAdmin}},
      {rpc::kRetireBeacon, {Role::kAdmin}},
      {rpc::kRegisterCustomer, {Role::kAdmin}},
      {rpc::kIssueTableQr, {Role::kAdmin}},
      {rpc::kImportFingerprints, {Role::kAdmin}},
      // Staff: their own store only (checked by the use case).
      {rpc::kGetStorePresence, {Role::kAdmin, Role::kStaff}},
      {rpc::kGetStoreFloor, {Role::kAdmin, Role::kStaff}},
      {rpc::kGetStoreAnalytics, {Role::kAdmin, Role::kStaff}},
      {rpc::kRecordCalibration, {Role::kAdmin, Role::kStaff}},
      {rpc::kGetCalibrationReport, {Role::kAdmin, Role::kStaff}},
      // Internal services (recommendations), and a customer for themselves only.
      {rpc::kListCustomerVisits, {Role::kAdmin, Role::kService, Role::kCustomer}},
      // Store scanners, each bound to its store (checked by the use case).
      {rpc::kReportPhoneBeacon, {Role::kScanner}},
      {rpc::kScanCustomerCode, {Role::kScanner}},
      // The customer's app, for the customer itself (the token's subject).
      {rpc::kRegisterPhone, {Role::kCustomer}},
      {rpc::kIssueEntranceCode, {Role::kCustomer}},
  };
  return table;
}

domain::Result<void> authorize(const application::Principal& caller, std::string_view rpc_full_name) {
  const auto& table = rpc_roles();
  const auto row = table.find(rpc_full_name);
  if (row == table.end()) {
    return domain::fail(domain::ErrorCode::kPermissionDenied, std::string(rpc_full_name) + " is not open to any role");
  }
  if (!row->second.contains(caller.role)) {
    return domain::fail(domain::ErrorCode::kPermissionDenied, std::string(rpc_full_name) + " does not accept role '" +
                                                                  application::to_string(caller.role) + "'");
  }
  return {};
}

}  // namespace tastesync::infrastructure::grpc_adapter
