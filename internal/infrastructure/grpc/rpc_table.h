#pragma once

// THE table of the service's RPCs: for each, its gRPC method, the roles it
// accepts, its HTTPS/JSON route, and the one call into its use case. The gRPC
// services (unary_call.h) and the JSON gateway (http/json_api.cpp) both read
// these rows, so an RPC's behaviour is written once; rpc_roles() is derived
// from them. How to add an RPC: CONTRIBUTING.md.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "admin.pb.h"
#include "application/ports/customer_credentials_port.h"
#include "application/ports/identify_customer_port.h"
#include "application/ports/principal.h"
#include "application/ports/rate_limiter_port.h"
#include "application/ports/store_scanner_port.h"
#include "application/ports/token_verifier_port.h"
#include "application/use_cases/admin_use_cases.h"
#include "application/use_cases/calibration_use_case.h"
#include "application/use_cases/store_analytics_use_case.h"
#include "application/use_cases/store_floor_use_case.h"
#include "customer_id.pb.h"
#include "domain/error.h"
#include "infrastructure/grpc/rpc_roles.h"
#include "infrastructure/grpc/worker_pool.h"
#include "store_scanner.pb.h"

namespace tastesync::infrastructure::grpc_adapter {

// The use cases behind the rows. An RPC whose use case is missing answers
// FAILED_PRECONDITION ("... is not served here"): unit tests wire only what
// they call. All outlive the transports.
struct RpcUseCases {
  application::IdentifyCustomerPort* identify = nullptr;
  application::AdminUseCases* admin = nullptr;
  application::StoreScannerPort* scanner = nullptr;
  application::CustomerCredentialsPort* credentials = nullptr;
  const application::StoreFloorUseCase* floor = nullptr;
  const application::StoreAnalyticsUseCase* analytics = nullptr;
  application::CalibrationUseCase* calibration = nullptr;
};

// The gate every call passes and where the blocking ones run, shared by
// both transports so they have one bound.
struct RpcGate {
  const application::TokenVerifierPort& tokens;
  application::RateLimiterPort* limits = nullptr;  // nullptr: no rate limits
  WorkerPool* workers = nullptr;                   // nullptr: on the transport's own thread (unit tests)
};

// What a transport knows of one call beside its message.
struct CallScope {
  // When the call reached us, before any wait for a worker: log lines' `ms`
  // count from here.
  std::chrono::steady_clock::time_point arrived;
  // When its handling began, after that wait (set by answer(), rpc_call.h).
  std::chrono::steady_clock::time_point started;
  // When the caller stops waiting, if it said (gRPC deadline, HTTP timeout).
  std::optional<domain::Timestamp> deadline;

  // Milliseconds since the call arrived (the `ms` of its log lines), and the
  // part of them it waited for a worker (`wait_ms`).
  double ms() const { return milliseconds(std::chrono::steady_clock::now() - arrived); }
  double wait_ms() const { return milliseconds(started - arrived); }

 private:
  static double milliseconds(std::chrono::steady_clock::duration span) {
    return std::chrono::duration<double, std::milli>(span).count();
  }
};

// What sets an RPC apart from the common case, which blocks (it waits on
// PostgreSQL or Redis, so it runs on the worker pool: never on gRPC's
// callback threads or the HTTPS server's I/O threads), is rate limited, and
// is logged only when refused.
enum class RpcTraits : std::uint8_t {
  kCommon = 0,
  kInline = 1U << 0U,     // cheap and never blocks: answered on the transport's own thread
  kAudited = 1U << 1U,    // successes logged with who called (registry changes, staff reads)
  kUnlimited = 1U << 2U,  // no rate limits (the empty handler measures the transport alone)
  kBenchOnly = 1U << 3U,  // served only with `bench_baseline`
};
constexpr RpcTraits operator|(RpcTraits a, RpcTraits b) {
  return static_cast<RpcTraits>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}

template <typename Request, typename Response>
struct Rpc {
  using RequestMessage = Request;
  using ResponseMessage = Response;
  // Fills `response` from the use case's answer; errors are values.
  using Call = domain::Result<void> (*)(const RpcUseCases&, const application::Principal&, const Request&, Response&,
                                        const CallScope&);

  // The outcome of a call begun by `start`: what `call` would return, or
  // nothing, and then `call` must run (on a worker: it blocks).
  using Finish = std::function<void(std::optional<domain::Result<void>>)>;
  // The common case of a blocking RPC begun without blocking, on the
  // transport's own thread; `finish` is called exactly once, on this thread
  // or another. Identify's sighting that changes nothing (its write to
  // Redis goes out, and the answer is sent when the reply is read).
  using Start = void (*)(const RpcUseCases&, const application::Principal&, const Request&, Response&, const CallScope&,
                         Finish);

  std::string_view method;     // full gRPC name, as on the wire (rpc_roles.h)
  RoleSet roles;               // who may call it; finer, per-request rules are the use case's
  std::string_view http_verb;  // "GET" or "POST": the route of the proto's google.api.http option
  std::string_view http_path;
  Call call;
  RpcTraits traits;
  Start start = nullptr;  // gRPC only, so far

  constexpr bool has(RpcTraits trait) const {
    return (static_cast<std::uint8_t>(traits) & static_cast<std::uint8_t>(trait)) != 0;
  }
  constexpr bool blocks() const { return !has(RpcTraits::kInline); }
  constexpr bool audited() const { return has(RpcTraits::kAudited); }
  constexpr bool rate_limited() const { return !has(RpcTraits::kUnlimited); }
  constexpr bool bench_only() const { return has(RpcTraits::kBenchOnly); }
};

namespace v1 = ::tastesync::customer_id::v1;

namespace rpcs {
extern const Rpc<v1::IdentifyRequest, v1::IdentifyResponse> kIdentify;
extern const Rpc<v1::NoopRequest, v1::NoopResponse> kNoop;
extern const Rpc<v1::CreateStoreRequest, v1::CreateStoreResponse> kCreateStore;
extern const Rpc<v1::AddZoneRequest, v1::AddZoneResponse> kAddZone;
extern const Rpc<v1::UpdateZoneRequest, v1::UpdateZoneResponse> kUpdateZone;
extern const Rpc<v1::RegisterBeaconRequest, v1::RegisterBeaconResponse> kRegisterBeacon;
extern const Rpc<v1::RetireBeaconRequest, v1::RetireBeaconResponse> kRetireBeacon;
extern const Rpc<v1::RegisterCustomerRequest, v1::RegisterCustomerResponse> kRegisterCustomer;
extern const Rpc<v1::IssueTableQrRequest, v1::IssueTableQrResponse> kIssueTableQr;
extern const Rpc<v1::GetStorePresenceRequest, v1::GetStorePresenceResponse> kGetStorePresence;
extern const Rpc<v1::ListCustomerVisitsRequest, v1::ListCustomerVisitsResponse> kListCustomerVisits;
extern const Rpc<v1::ImportFingerprintsRequest, v1::ImportFingerprintsResponse> kImportFingerprints;
extern const Rpc<v1::RecordCalibrationRequest, v1::RecordCalibrationResponse> kRecordCalibration;
extern const Rpc<v1::GetCalibrationReportRequest, v1::CalibrationReport> kGetCalibrationReport;
extern const Rpc<v1::GetStoreFloorRequest, v1::GetStoreFloorResponse> kGetStoreFloor;
extern const Rpc<v1::GetStoreAnalyticsRequest, v1::GetStoreAnalyticsResponse> kGetStoreAnalytics;
extern const Rpc<v1::ReportPhoneBeaconRequest, v1::IdentifyResponse> kReportPhoneBeacon;
extern const Rpc<v1::ScanCustomerCodeRequest, v1::IdentifyResponse> kScanCustomerCode;
extern const Rpc<v1::RegisterPhoneRequest, v1::RegisterPhoneResponse> kRegisterPhone;
extern const Rpc<v1::IssueEntranceCodeRequest, v1::IssueEntranceCodeResponse> kIssueEntranceCode;
}  // namespace rpcs

// Every row, once: what the role table and the JSON gateway iterate.
template <typename Visit>
void for_each_rpc(Visit&& visit) {
  visit(rpcs::kIdentify);
  visit(rpcs::kNoop);
  visit(rpcs::kCreateStore);
  visit(rpcs::kAddZone);
  visit(rpcs::kUpdateZone);
  visit(rpcs::kRegisterBeacon);
  visit(rpcs::kRetireBeacon);
  visit(rpcs::kRegisterCustomer);
  visit(rpcs::kIssueTableQr);
  visit(rpcs::kGetStorePresence);
  visit(rpcs::kListCustomerVisits);
  visit(rpcs::kImportFingerprints);
  visit(rpcs::kRecordCalibration);
  visit(rpcs::kGetCalibrationReport);
  visit(rpcs::kGetStoreFloor);
  visit(rpcs::kGetStoreAnalytics);
  visit(rpcs::kReportPhoneBeacon);
  visit(rpcs::kScanCustomerCode);
  visit(rpcs::kRegisterPhone);
  visit(rpcs::kIssueEntranceCode);
}

}  // namespace tastesync::infrastructure::grpc_adapter
