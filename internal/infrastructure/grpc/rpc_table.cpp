#include "infrastructure/grpc/rpc_table.h"

#include <string>

#include "infrastructure/grpc/admin_proto_mapping.h"
#include "infrastructure/grpc/calibration_proto_mapping.h"
#include "infrastructure/grpc/proto_mapping.h"
#include "infrastructure/grpc/scanner_proto_mapping.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

using application::Principal;
using application::Role;
using domain::Result;

// Lets a Result<T> call fill its response and report as Result<void>.
template <typename T, typename Fill>
Result<void> then(Result<T> result, Fill&& fill) {
  if (!result) return std::unexpected(result.error());
  fill(*result);
  return {};
}

Result<void> not_served(std::string_view rpc) {
  return domain::fail(domain::ErrorCode::kFailedPrecondition, std::string(rpc) + " is not served here");
}

// ---- CustomerIdentification and Baseline

// A move is worth a line (the chaos suite reads them); a repeat only at debug.
void log_answer(const application::IdentifyResponse& answer, const CallScope& scope) {
  if (answer.replayed) {
    log::info("identify.replayed",
              {{"customer_id", answer.customer_id}, {"zone_id", answer.location.zone_id}, {"ms", scope.ms()}});
  } else if (answer.location_changed) {
    log::info("identify.moved", {{"customer_id", answer.customer_id},
                                 {"store_id", answer.location.store_id},
                                 {"zone_id", answer.location.zone_id},
                                 {"events", answer.event_ids.size()},
                                 {"ms", scope.ms()},
                                 {"wait_ms", scope.wait_ms()}});
  } else if (log::debug_enabled()) {
    log::debug("identify",
               {{"customer_id", answer.customer_id}, {"zone_id", answer.location.zone_id}, {"ms", scope.ms()}});
  }
}

Result<void> identify(const RpcUseCases& uses, const Principal& caller, const v1::IdentifyRequest& request,
                      v1::IdentifyResponse& response, const CallScope& scope) {
  if (uses.identify == nullptr) return not_served(rpc::kIdentify);
  auto command = from_proto(request);
  if (!command) return std::unexpected(command.error());
  // No transition is recorded once the client stopped waiting.
  command->deadline = scope.deadline;
  auto answer = uses.identify->identify(caller, *command);
  if (!answer) return std::unexpected(answer.error());
  to_proto(*answer, response);
  log_answer(*answer, scope);
  return {};
}

// The sighting that changes nothing, without a thread waiting on Redis
// (IdentifyCustomerPort::identify_without_waiting); anything else, errors
// included, goes to identify() above.
void start_identify(const RpcUseCases& uses, const Principal& caller, const v1::IdentifyRequest& request,
                    v1::IdentifyResponse& response, const CallScope& scope,
                    Rpc<v1::IdentifyRequest, v1::IdentifyResponse>::Finish finish) {
  if (uses.identify == nullptr) return finish(std::nullopt);
  auto command = from_proto(request);
  if (!command) return finish(std::nullopt);
  command->deadline = scope.deadline;
  // `response` is the call's, valid until it is finished.
  uses.identify->identify_without_waiting(
      caller, *command,
      [&response, scope, finish = std::move(finish)](std::optional<Result<application::IdentifyResponse>> answer) {
        if (!answer) return finish(std::nullopt);
        if (!*answer) return finish(Result<void>(std::unexpected(answer->error())));
        to_proto(**answer, response);
        log_answer(**answer, scope);
        finish(Result<void>());
      });
}

Result<void> noop(const RpcUseCases&, const Principal&, const v1::NoopRequest& request, v1::NoopResponse& response,
                  const CallScope&) {
  response.set_request_id(request.request_id());
  return {};
}

// ---- Admin: the registry

Result<void> create_store(const RpcUseCases& uses, const Principal& caller, const v1::CreateStoreRequest& request,
                          v1::CreateStoreResponse&, const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kCreateStore);
  return uses.admin->create_store(caller, from_proto(request));
}

Result<void> add_zone(const RpcUseCases& uses, const Principal& caller, const v1::AddZoneRequest& request,
                      v1::AddZoneResponse&, const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kAddZone);
  return uses.admin->add_zone(caller, from_proto(request));
}

Result<void> update_zone(const RpcUseCases& uses, const Principal& caller, const v1::UpdateZoneRequest& request,
                         v1::UpdateZoneResponse&, const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kUpdateZone);
  return uses.admin->update_zone(caller, from_proto(request));
}

Result<void> register_beacon(const RpcUseCases& uses, const Principal& caller, const v1::RegisterBeaconRequest& request,
                             v1::RegisterBeaconResponse&, const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kRegisterBeacon);
  return uses.admin->register_beacon(caller, from_proto(request));
}

Result<void> retire_beacon(const RpcUseCases& uses, const Principal& caller, const v1::RetireBeaconRequest& request,
                           v1::RetireBeaconResponse&, const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kRetireBeacon);
  return uses.admin->retire_beacon(caller, from_proto(request));
}

Result<void> register_customer(const RpcUseCases& uses, const Principal& caller,
                               const v1::RegisterCustomerRequest& request, v1::RegisterCustomerResponse&,
                               const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kRegisterCustomer);
  return uses.admin->register_customer(caller, from_proto(request));
}

Result<void> issue_table_qr(const RpcUseCases& uses, const Principal& caller, const v1::IssueTableQrRequest& request,
                            v1::IssueTableQrResponse& response, const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kIssueTableQr);
  return then(uses.admin->issue_table_qr(caller, from_proto(request)),
              [&](const application::TableQrCode& code) { to_proto(code, response); });
}

Result<void> store_presence(const RpcUseCases& uses, const Principal& caller,
                            const v1::GetStorePresenceRequest& request, v1::GetStorePresenceResponse& response,
                            const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kGetStorePresence);
  return then(uses.admin->store_presence(caller, from_proto(request)),
              [&](const std::vector<application::PresentCustomer>& customers) { to_proto(customers, response); });
}

Result<void> customer_visits(const RpcUseCases& uses, const Principal& caller,
                             const v1::ListCustomerVisitsRequest& request, v1::ListCustomerVisitsResponse& response,
                             const CallScope&) {
  if (uses.admin == nullptr) return not_served(rpc::kListCustomerVisits);
  return then(uses.admin->customer_visits(caller, from_proto(request)),
              [&](const std::vector<domain::Visit>& visits) { to_proto(visits, response); });
}

// ---- Admin: calibration and the staff pages' reads

Result<void> import_fingerprints(const RpcUseCases& uses, const Principal& caller,
                                 const v1::ImportFingerprintsRequest& request, v1::ImportFingerprintsResponse& response,
                                 const CallScope&) {
  if (uses.calibration == nullptr) return not_served(rpc::kImportFingerprints);
  auto command = from_proto(request);
  if (!command) return std::unexpected(command.error());
  return then(uses.calibration->import_fingerprints(caller, *command),
              [&](const application::CalibrationUpdate& update) { to_proto(update, response); });
}

Result<void> record_calibration(const RpcUseCases& uses, const Principal& caller,
                                const v1::RecordCalibrationRequest& request, v1::RecordCalibrationResponse& response,
                                const CallScope&) {
  if (uses.calibration == nullptr) return not_served(rpc::kRecordCalibration);
  auto command = from_proto(request);
  if (!command) return std::unexpected(command.error());
  return then(uses.calibration->record(caller, *command),
              [&](const application::CalibrationUpdate& update) { to_proto(update, response); });
}

Result<void> calibration_report(const RpcUseCases& uses, const Principal& caller,
                                const v1::GetCalibrationReportRequest& request, v1::CalibrationReport& response,
                                const CallScope&) {
  if (uses.calibration == nullptr) return not_served(rpc::kGetCalibrationReport);
  return then(uses.calibration->report(caller, request.store_id()),
              [&](const application::StoreCalibration& found) { to_proto(found, response); });
}

Result<void> store_floor(const RpcUseCases& uses, const Principal& caller, const v1::GetStoreFloorRequest& request,
                         v1::GetStoreFloorResponse& response, const CallScope&) {
  if (uses.floor == nullptr) return not_served(rpc::kGetStoreFloor);
  return then(uses.floor->floor(caller, request.store_id()),
              [&](const application::StoreFloor& found) { to_proto(found, response); });
}

Result<void> store_analytics(const RpcUseCases& uses, const Principal& caller,
                             const v1::GetStoreAnalyticsRequest& request, v1::GetStoreAnalyticsResponse& response,
                             const CallScope&) {
  if (uses.analytics == nullptr) return not_served(rpc::kGetStoreAnalytics);
  return then(uses.analytics->analytics(caller, from_proto(request)),
              [&](const application::StoreAnalytics& figures) { to_proto(figures, response); });
}

// ---- StoreScanner and CustomerCredentials

Result<void> report_phone_beacon(const RpcUseCases& uses, const Principal& caller,
                                 const v1::ReportPhoneBeaconRequest& request, v1::IdentifyResponse& response,
                                 const CallScope&) {
  if (uses.scanner == nullptr) return not_served(rpc::kReportPhoneBeacon);
  auto report = from_proto(request);
  if (!report) return std::unexpected(report.error());
  return then(uses.scanner->report_phone_beacon(caller, *report),
              [&](const application::IdentifyResponse& answer) { to_proto(answer, response); });
}

Result<void> scan_customer_code(const RpcUseCases& uses, const Principal& caller,
                                const v1::ScanCustomerCodeRequest& request, v1::IdentifyResponse& response,
                                const CallScope&) {
  if (uses.scanner == nullptr) return not_served(rpc::kScanCustomerCode);
  return then(uses.scanner->scan_customer_code(caller, from_proto(request)),
              [&](const application::IdentifyResponse& answer) { to_proto(answer, response); });
}

Result<void> register_phone(const RpcUseCases& uses, const Principal& caller, const v1::RegisterPhoneRequest&,
                            v1::RegisterPhoneResponse& response, const CallScope&) {
  if (uses.credentials == nullptr) return not_served(rpc::kRegisterPhone);
  return then(uses.credentials->register_phone(caller), [&](const application::RegisteredPhone& phone) {
    to_proto(phone, response);
    // Device ids only: the secret never reaches a log.
    log::info("phone.registered", {{"customer_id", caller.subject}, {"device_id", phone.device_id}});
  });
}

Result<void> issue_entrance_code(const RpcUseCases& uses, const Principal& caller, const v1::IssueEntranceCodeRequest&,
                                 v1::IssueEntranceCodeResponse& response, const CallScope&) {
  if (uses.credentials == nullptr) return not_served(rpc::kIssueEntranceCode);
  return then(uses.credentials->issue_entrance_code(caller),
              [&](const application::IssuedCustomerCode& code) { to_proto(code, response); });
}

constexpr RoleSet kEveryRole = {Role::kCustomer, Role::kScanner, Role::kStaff, Role::kAdmin, Role::kService};
constexpr RoleSet kAdminOnly = {Role::kAdmin};
// Staff: their own store only (checked by the use case).
constexpr RoleSet kAdminOrStaff = {Role::kAdmin, Role::kStaff};

}  // namespace

namespace rpcs {

using enum RpcTraits;

// Each row: the gRPC method, who may call it, its HTTPS/JSON route (as in
// the proto's google.api.http option), the call, and what sets it apart.

// The customer's phone reports what it sees; the customer is the token's subject.
constinit const Rpc<v1::IdentifyRequest, v1::IdentifyResponse> kIdentify{
    rpc::kIdentify, {Role::kCustomer}, "POST", "/v1/identify", identify, kCommon, start_identify};
// Checks the token like every RPC and does nothing else: what `make bench`
// measures Identify against.
constinit const Rpc<v1::NoopRequest, v1::NoopResponse> kNoop{rpc::kNoop, kEveryRole, "POST",
                                                             "/v1/noop", noop,       kInline | kUnlimited | kBenchOnly};

// The registry: floor plans, customers, printable QR codes.
constinit const Rpc<v1::CreateStoreRequest, v1::CreateStoreResponse> kCreateStore{
    rpc::kCreateStore, kAdminOnly, "POST", "/v1/stores", create_store, kAudited};
constinit const Rpc<v1::AddZoneRequest, v1::AddZoneResponse> kAddZone{
    rpc::kAddZone, kAdminOnly, "POST", "/v1/stores/{store_id}/zones", add_zone, kAudited};
constinit const Rpc<v1::UpdateZoneRequest, v1::UpdateZoneResponse> kUpdateZone{
    rpc::kUpdateZone, kAdminOnly, "PATCH", "/v1/stores/{store_id}/zones/{zone_id}", update_zone, kAudited};
constinit const Rpc<v1::RegisterBeaconRequest, v1::RegisterBeaconResponse> kRegisterBeacon{
    rpc::kRegisterBeacon, kAdminOnly, "POST", "/v1/beacons", register_beacon, kAudited};
constinit const Rpc<v1::RetireBeaconRequest, v1::RetireBeaconResponse> kRetireBeacon{
    rpc::kRetireBeacon, kAdminOnly, "POST", "/v1/beacons:retire", retire_beacon, kAudited};
constinit const Rpc<v1::RegisterCustomerRequest, v1::RegisterCustomerResponse> kRegisterCustomer{
    rpc::kRegisterCustomer, kAdminOnly, "POST", "/v1/customers", register_customer, kAudited};
constinit const Rpc<v1::IssueTableQrRequest, v1::IssueTableQrResponse> kIssueTableQr{
    rpc::kIssueTableQr, kAdminOnly, "POST", "/v1/stores/{store_id}/zones/{zone_id}/table-qr", issue_table_qr, kAudited};
constinit const Rpc<v1::GetStorePresenceRequest, v1::GetStorePresenceResponse> kGetStorePresence{
    rpc::kGetStorePresence, kAdminOrStaff, "GET", "/v1/stores/{store_id}/presence", store_presence, kAudited};
// Internal services (recommendations), and a customer for themselves only.
constinit const Rpc<v1::ListCustomerVisitsRequest, v1::ListCustomerVisitsResponse> kListCustomerVisits{
    rpc::kListCustomerVisits,
    {Role::kAdmin, Role::kService, Role::kCustomer},
    "GET",
    "/v1/customers/{customer_id}/visits",
    customer_visits,
    kAudited};

// Calibration: each chunk of an import is one request within the transport's
// message limit (docs/api.md, "Calibration").
constinit const Rpc<v1::ImportFingerprintsRequest, v1::ImportFingerprintsResponse> kImportFingerprints{
    rpc::kImportFingerprints, kAdminOnly, "POST", "/v1/stores/{store_id}/fingerprints", import_fingerprints, kAudited};
constinit const Rpc<v1::RecordCalibrationRequest, v1::RecordCalibrationResponse> kRecordCalibration{
    rpc::kRecordCalibration, kAdminOrStaff, "POST", "/v1/stores/{store_id}/zones/{zone_id}/calibration",
    record_calibration,      kAudited};
constinit const Rpc<v1::GetCalibrationReportRequest, v1::CalibrationReport> kGetCalibrationReport{
    rpc::kGetCalibrationReport,          kAdminOrStaff,      "GET",
    "/v1/stores/{store_id}/calibration", calibration_report, kAudited};

// The staff pages' reads.
constinit const Rpc<v1::GetStoreFloorRequest, v1::GetStoreFloorResponse> kGetStoreFloor{
    rpc::kGetStoreFloor, kAdminOrStaff, "GET", "/v1/stores/{store_id}/floor", store_floor, kAudited};
constinit const Rpc<v1::GetStoreAnalyticsRequest, v1::GetStoreAnalyticsResponse> kGetStoreAnalytics{
    rpc::kGetStoreAnalytics, kAdminOrStaff, "GET", "/v1/stores/{store_id}/analytics", store_analytics, kAudited};

// Store scanners, each bound to its store (checked by the use case).
constinit const Rpc<v1::ReportPhoneBeaconRequest, v1::IdentifyResponse> kReportPhoneBeacon{
    rpc::kReportPhoneBeacon, {Role::kScanner}, "POST", "/v1/stores/{store_id}/phone-beacons",
    report_phone_beacon,     kCommon};
constinit const Rpc<v1::ScanCustomerCodeRequest, v1::IdentifyResponse> kScanCustomerCode{
    rpc::kScanCustomerCode, {Role::kScanner}, "POST", "/v1/stores/{store_id}/entrance-codes:scan",
    scan_customer_code,     kCommon};

// The customer's app, for the customer itself (the token's subject).
constinit const Rpc<v1::RegisterPhoneRequest, v1::RegisterPhoneResponse> kRegisterPhone{
    rpc::kRegisterPhone, {Role::kCustomer}, "POST", "/v1/me/phones", register_phone, kCommon};
constinit const Rpc<v1::IssueEntranceCodeRequest, v1::IssueEntranceCodeResponse> kIssueEntranceCode{
    rpc::kIssueEntranceCode, {Role::kCustomer}, "POST", "/v1/me/entrance-codes", issue_entrance_code, kCommon};

}  // namespace rpcs

}  // namespace tastesync::infrastructure::grpc_adapter
