#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string_view>

#include "application/ports/principal.h"
#include "domain/error.h"

namespace tastesync::infrastructure::grpc_adapter {

// Full gRPC method names ("/package.Service/Method"), as they appear on the wire.
namespace rpc {
inline constexpr std::string_view kIdentify = "/tastesync.customer_id.v1.CustomerIdentification/Identify";
inline constexpr std::string_view kNoop = "/tastesync.customer_id.v1.Baseline/Noop";
inline constexpr std::string_view kCreateStore = "/tastesync.customer_id.v1.Admin/CreateStore";
inline constexpr std::string_view kAddZone = "/tastesync.customer_id.v1.Admin/AddZone";
inline constexpr std::string_view kUpdateZone = "/tastesync.customer_id.v1.Admin/UpdateZone";
inline constexpr std::string_view kRegisterBeacon = "/tastesync.customer_id.v1.Admin/RegisterBeacon";
inline constexpr std::string_view kRetireBeacon = "/tastesync.customer_id.v1.Admin/RetireBeacon";
inline constexpr std::string_view kRegisterCustomer = "/tastesync.customer_id.v1.Admin/RegisterCustomer";
inline constexpr std::string_view kIssueTableQr = "/tastesync.customer_id.v1.Admin/IssueTableQr";
inline constexpr std::string_view kGetStorePresence = "/tastesync.customer_id.v1.Admin/GetStorePresence";
inline constexpr std::string_view kGetStoreFloor = "/tastesync.customer_id.v1.Admin/GetStoreFloor";
inline constexpr std::string_view kGetStoreAnalytics = "/tastesync.customer_id.v1.Admin/GetStoreAnalytics";
inline constexpr std::string_view kListCustomerVisits = "/tastesync.customer_id.v1.Admin/ListCustomerVisits";
inline constexpr std::string_view kImportFingerprints = "/tastesync.customer_id.v1.Admin/ImportFingerprints";
inline constexpr std::string_view kRecordCalibration = "/tastesync.customer_id.v1.Admin/RecordCalibration";
inline constexpr std::string_view kGetCalibrationReport = "/tastesync.customer_id.v1.Admin/GetCalibrationReport";
inline constexpr std::string_view kReportPhoneBeacon = "/tastesync.customer_id.v1.StoreScanner/ReportPhoneBeacon";
inline constexpr std::string_view kScanCustomerCode = "/tastesync.customer_id.v1.StoreScanner/ScanCustomerCode";
inline constexpr std::string_view kRegisterPhone = "/tastesync.customer_id.v1.CustomerCredentials/RegisterPhone";
inline constexpr std::string_view kIssueEntranceCode =
    "/tastesync.customer_id.v1.CustomerCredentials/IssueEntranceCode";
}  // namespace rpc

// A set of roles as bits, so a row of the table is one small value.
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<application::Role> roles) {
    for (const application::Role role : roles) bits_ = static_cast<std::uint8_t>(bits_ | bit(role));
  }
  constexpr bool contains(application::Role role) const { return (bits_ & bit(role)) != 0; }

 private:
  static constexpr std::uint8_t bit(application::Role role) {
    return static_cast<std::uint8_t>(1U << static_cast<unsigned>(role));
  }
  std::uint8_t bits_ = 0;
};

// Who may call what: every RPC of every service and the roles it accepts, as
// the rows of rpc_table.h give them. Both transports ask it before anything
// else; an RPC missing here is refused to everyone. Finer rules that depend
// on the request (a customer only for itself, staff only for their own
// store, a scanner only for its store) are the use cases' and sit behind
// this gate. tests/unit/infrastructure/grpc/rpc_roles_test.cpp checks every
// RPC x every role against a matrix of its own: add a row there too.
const std::map<std::string_view, RoleSet>& rpc_roles();

// PERMISSION_DENIED naming the RPC and the role when the role may not call it.
domain::Result<void> authorize(const application::Principal& caller, std::string_view rpc_full_name);

}  // namespace tastesync::infrastructure::grpc_adapter
