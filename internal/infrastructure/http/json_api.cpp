#include "infrastructure/http/json_api.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <functional>
#include <type_traits>

#include "admin.pb.h"
#include "customer_id.pb.h"
#include "infrastructure/grpc/admin_proto_mapping.h"
#include "infrastructure/grpc/calibration_proto_mapping.h"
#include "infrastructure/grpc/proto_mapping.h"
#include "infrastructure/grpc/scanner_proto_mapping.h"
#include "infrastructure/http/gateway_call.h"
#include "store_scanner.pb.h"

namespace tastesync::infrastructure::http {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
namespace protobuf = ::google::protobuf;
using domain::ErrorCode;
using domain::fail;
using domain::Result;

// Lets a Result<T> call fill its response and report as Result<void>.
template <typename T, typename Fill>
Result<void> then(Result<T> result, Fill&& fill) {
  if (!result) return std::unexpected(result.error());
  fill(*result);
  return {};
}

// The field a protobuf JSON parse error is about: "(beacons.sightings[0].major):
// invalid value ..." or "bogus: Cannot find field.". Empty when it names none.
std::string field_of_parse_error(std::string_view message) {
  if (message.starts_with('(')) {
    const auto close = message.find("):");
    if (close != std::string_view::npos) return std::string(message.substr(1, close - 1));
  }
  const auto unknown = message.find(": Cannot find field.");
  if (unknown != std::string_view::npos) return std::string(message.substr(0, unknown));
  return {};
}

// protobuf's parser takes an object where a list is expected as a list of one
// ("sightings": {} becomes one empty sighting), so a client would be told
// about a field it never sent. A walk over the JSON finds that first, with
// the field's path.
Result<void> check_lists(const nlohmann::json& value, const protobuf::Descriptor& descriptor, const std::string& path) {
  if (!value.is_object()) return {};
  for (const auto& [key, item] : value.items()) {
    const protobuf::FieldDescriptor* field = descriptor.FindFieldByName(key);
    if (field == nullptr) field = descriptor.FindFieldByCamelcaseName(key);
    if (field == nullptr) continue;  // the parser names unknown fields itself
    const std::string here = path.empty() ? field->name() : path + "." + field->name();
    if (field->is_repeated() && !field->is_map() && !item.is_array() && !item.is_null()) {
      return fail(ErrorCode::kInvalidArgument, "must be a list, got " + std::string(item.type_name()), here);
    }
    if (field->message_type() == nullptr || field->is_map()) continue;
    if (field->is_repeated() && item.is_array()) {
      for (std::size_t i = 0; i < item.size(); ++i) {
        if (auto ok = check_lists(item[i], *field->message_type(), here + "[" + std::to_string(i) + "]"); !ok) {
          return ok;
        }
      }
    } else if (auto ok = check_lists(item, *field->message_type(), here); !ok) {
      return ok;
    }
  }
  return {};
}

// The body in protobuf's JSON mapping; an empty body is the empty message.
// Unknown fields are errors, as a typo would otherwise be silently dropped.
// Every error names the field it is about when there is one.
Result<void> parse_body(const std::string& body, protobuf::Message& message) {
  if (body.empty()) return {};
  const nlohmann::json shape = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!shape.is_discarded()) {
    if (auto ok = check_lists(shape, *message.GetDescriptor(), ""); !ok) return ok;
  }
  protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = protobuf::util::JsonStringToMessage(body, &message, options);
  if (!status.ok()) {
    const std::string detail(status.message());
    return fail(ErrorCode::kInvalidArgument,
                "request body is not valid JSON for " + message.GetTypeName() + ": " + detail,
                field_of_parse_error(detail));
  }
  return {};
}

// A path or query parameter into the request field of that name (proto or
// JSON spelling); like google.api.http, it wins over the body.
Result<void> set_field(protobuf::Message& message, const std::string& name, const std::string& value) {
  const protobuf::Descriptor* descriptor = message.GetDescriptor();
  const protobuf::FieldDescriptor* field = descriptor->FindFieldByName(name);
  if (field == nullptr) field = descriptor->FindFieldByCamelcaseName(name);
  if (field == nullptr || field->is_repeated() || field->message_type() != nullptr) {
    return fail(ErrorCode::kInvalidArgument, "unknown parameter '" + name + "'", name);
  }
  const protobuf::Reflection* reflection = message.GetReflection();
  const auto integer = [&](auto& out) {
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
    return error == std::errc{} && end == value.data() + value.size();
  };
  const auto not_a_number = [&] { return fail(ErrorCode::kInvalidArgument, "must be an integer", name); };
  switch (field->cpp_type()) {
    case protobuf::FieldDescriptor::CPPTYPE_STRING: reflection->SetString(&message, field, value); return {};
    case protobuf::FieldDescriptor::CPPTYPE_INT32: {
      std::int32_t out = 0;
      if (!integer(out)) return not_a_number();
      reflection->SetInt32(&message, field, out);
      return {};
    }
    case protobuf::FieldDescriptor::CPPTYPE_UINT32: {
      std::uint32_t out = 0;
      if (!integer(out)) return not_a_number();
      reflection->SetUInt32(&message, field, out);
      return {};
    }
    case protobuf::FieldDescriptor::CPPTYPE_INT64: {
      std::int64_t out = 0;
      if (!integer(out)) return not_a_number();
      reflection->SetInt64(&message, field, out);
      return {};
    }
    default: return fail(ErrorCode::kInvalidArgument, "cannot be given as a parameter", name);
  }
}

Result<void> apply_parameters(const PathParams& path, const std::string& query, protobuf::Message& message) {
  for (const auto& [name, value] : path) {
    if (auto ok = set_field(message, name, value); !ok) return ok;
  }
  return for_each_query_parameter(
      query, [&message](const std::string& name, const std::string& value) { return set_field(message, name, value); });
}

HttpResponse json_response(const protobuf::Message& message) {
  protobuf::util::JsonPrintOptions options;
  // Clients see every field, e.g. "locationChanged": false, not an absence.
  options.always_print_primitive_fields = true;
  HttpResponse response;
  if (!protobuf::util::MessageToJsonString(message, &response.body, options).ok()) {
    return transport_error(500, "INTERNAL", "response could not be encoded");
  }
  return response;
}

Result<application::Principal> admit_for(const char* grpc_method, const HttpRequest& http,
                                         const JsonApiDependencies& deps) {
  return admit_http_caller(grpc_method, http, deps.tokens, deps.limits);
}

// Adds one transcoded RPC. `call(caller, request, response)` is a
// Result<void> that fills the response (a call that needs the HTTP request
// itself, e.g. its deadline, takes it as a fourth argument); `grpc_method`
// is the RPC the route stands for.
template <typename Request, typename Response, typename Call>
void add_rpc(Router& router, const JsonApiDependencies& deps, const char* method, const char* path,
             const char* grpc_method, Call call) {
  router.add(method, path,
             [deps, grpc_method, call](const HttpRequest& http, const PathParams& params, const Respond& respond) {
               auto task = [deps, grpc_method, call, http, params, respond] {
                 Request request;
                 Response response;
                 auto caller = admit_for(grpc_method, http, deps);
                 Result<void> result = caller ? Result<void>() : Result<void>(std::unexpected(caller.error()));
                 if (result && http.method != "GET") result = parse_body(http.body, request);
                 if (result) result = apply_parameters(params, http.query, request);
                 if (result) {
                   if constexpr (std::is_invocable_v<Call, const application::Principal&, const Request&, Response&,
                                                     const HttpRequest&>) {
                     result = call(*caller, request, response, http);
                   } else {
                     result = call(*caller, request, response);
                   }
                 }
                 respond(result ? json_response(response) : error_response(grpc_method, result.error()));
               };
               run_pooled(deps.workers, http, std::move(task), respond);
             });
}

// The calibration RPCs: each chunk of an import is one request within
// http.max_body_bytes, as over gRPC (docs/api.md, "Calibration").
void add_calibration_routes(Router& router, const JsonApiDependencies& deps) {
  using grpc_adapter::from_proto;
  using grpc_adapter::to_proto;
  application::CalibrationUseCase& calibration = *deps.calibration;
  add_rpc<v1::ImportFingerprintsRequest, v1::ImportFingerprintsResponse>(
      router, deps, "POST", "/v1/stores/{store_id}/fingerprints", "/tastesync.customer_id.v1.Admin/ImportFingerprints",
      [&calibration](const application::Principal& caller, const v1::ImportFingerprintsRequest& request,
                     v1::ImportFingerprintsResponse& response) -> Result<void> {
        auto command = from_proto(request);
        if (!command) return std::unexpected(command.error());
        return then(calibration.import_fingerprints(caller, *command),
                    [&](const application::CalibrationUpdate& update) { to_proto(update, response); });
      });
  add_rpc<v1::RecordCalibrationRequest, v1::RecordCalibrationResponse>(
      router, deps, "POST", "/v1/stores/{store_id}/zones/{zone_id}/calibration",
      "/tastesync.customer_id.v1.Admin/RecordCalibration",
      [&calibration](const application::Principal& caller, const v1::RecordCalibrationRequest& request,
                     v1::RecordCalibrationResponse& response) -> Result<void> {
        auto command = from_proto(request);
        if (!command) return std::unexpected(command.error());
        return then(calibration.record(caller, *command),
                    [&](const application::CalibrationUpdate& update) { to_proto(update, response); });
      });
  add_rpc<v1::GetCalibrationReportRequest, v1::CalibrationReport>(
      router, deps, "GET", "/v1/stores/{store_id}/calibration", "/tastesync.customer_id.v1.Admin/GetCalibrationReport",
      [&calibration](const application::Principal& caller, const v1::GetCalibrationReportRequest& request,
                     v1::CalibrationReport& response) {
        return then(calibration.report(caller, request.store_id()),
                    [&](const application::StoreCalibration& found) { to_proto(found, response); });
      });
}

}  // namespace

void add_json_api(Router& router, const JsonApiDependencies& deps) {
  using grpc_adapter::from_proto;
  using grpc_adapter::to_proto;
  auto& identify = deps.identify;
  auto& admin = deps.admin;

  add_rpc<v1::IdentifyRequest, v1::IdentifyResponse>(
      router, deps, "POST", "/v1/identify", "/tastesync.customer_id.v1.CustomerIdentification/Identify",
      [&identify](const application::Principal& caller, const v1::IdentifyRequest& request,
                  v1::IdentifyResponse& response, const HttpRequest& http) -> Result<void> {
        auto command = from_proto(request);
        if (!command) return std::unexpected(command.error());
        // As over gRPC: no transition is recorded once the client stopped waiting.
        if (http.deadline != std::chrono::steady_clock::time_point::max()) {
          command->deadline = std::chrono::time_point_cast<domain::Clock::duration>(
              std::chrono::system_clock::now() + (http.deadline - std::chrono::steady_clock::now()));
        }
        return then(identify.identify(caller, *command),
                    [&](const application::IdentifyResponse& answer) { to_proto(answer, response); });
      });
  if (deps.baseline) {
    add_rpc<v1::NoopRequest, v1::NoopResponse>(
        router, deps, "POST", "/v1/noop", "/tastesync.customer_id.v1.Baseline/Noop",
        [](const application::Principal&, const v1::NoopRequest& request, v1::NoopResponse& response) -> Result<void> {
          response.set_request_id(request.request_id());
          return {};
        });
  }
  add_rpc<v1::CreateStoreRequest, v1::CreateStoreResponse>(
      router, deps, "POST", "/v1/stores", "/tastesync.customer_id.v1.Admin/CreateStore",
      [&admin](const application::Principal& caller, const v1::CreateStoreRequest& request, v1::CreateStoreResponse&) {
        return admin.create_store(caller, from_proto(request));
      });
  add_rpc<v1::AddZoneRequest, v1::AddZoneResponse>(
      router, deps, "POST", "/v1/stores/{store_id}/zones", "/tastesync.customer_id.v1.Admin/AddZone",
      [&admin](const application::Principal& caller, const v1::AddZoneRequest& request, v1::AddZoneResponse&) {
        return admin.add_zone(caller, from_proto(request));
      });
  add_rpc<v1::RegisterBeaconRequest, v1::RegisterBeaconResponse>(
      router, deps, "POST", "/v1/beacons", "/tastesync.customer_id.v1.Admin/RegisterBeacon",
      [&admin](const application::Principal& caller, const v1::RegisterBeaconRequest& request,
               v1::RegisterBeaconResponse&) { return admin.register_beacon(caller, from_proto(request)); });
  add_rpc<v1::RetireBeaconRequest, v1::RetireBeaconResponse>(
      router, deps, "POST", "/v1/beacons:retire", "/tastesync.customer_id.v1.Admin/RetireBeacon",
      [&admin](const application::Principal& caller, const v1::RetireBeaconRequest& request,
               v1::RetireBeaconResponse&) { return admin.retire_beacon(caller, from_proto(request)); });
  add_rpc<v1::RegisterCustomerRequest, v1::RegisterCustomerResponse>(
      router, deps, "POST", "/v1/customers", "/tastesync.customer_id.v1.Admin/RegisterCustomer",
      [&admin](const application::Principal& caller, const v1::RegisterCustomerRequest& request,
               v1::RegisterCustomerResponse&) { return admin.register_customer(caller, from_proto(request)); });
  add_rpc<v1::IssueTableQrRequest, v1::IssueTableQrResponse>(
      router, deps, "POST", "/v1/stores/{store_id}/zones/{zone_id}/table-qr",
      "/tastesync.customer_id.v1.Admin/IssueTableQr",
      [&admin](const application::Principal& caller, const v1::IssueTableQrRequest& request,
               v1::IssueTableQrResponse& response) {
        return then(admin.issue_table_qr(caller, from_proto(request)),
                    [&](const application::TableQrCode& code) { to_proto(code, response); });
      });
  add_rpc<v1::GetStorePresenceRequest, v1::GetStorePresenceResponse>(
      router, deps, "GET", "/v1/stores/{store_id}/presence", "/tastesync.customer_id.v1.Admin/GetStorePresence",
      [&admin](const application::Principal& caller, const v1::GetStorePresenceRequest& request,
               v1::GetStorePresenceResponse& response) {
        return then(admin.store_presence(caller, from_proto(request)),
                    [&](const std::vector<application::PresentCustomer>& customers) { to_proto(customers, response); });
      });
  add_rpc<v1::ListCustomerVisitsRequest, v1::ListCustomerVisitsResponse>(
      router, deps, "GET", "/v1/customers/{customer_id}/visits", "/tastesync.customer_id.v1.Admin/ListCustomerVisits",
      [&admin](const application::Principal& caller, const v1::ListCustomerVisitsRequest& request,
               v1::ListCustomerVisitsResponse& response) {
        return then(admin.customer_visits(caller, from_proto(request)),
                    [&](const std::vector<domain::Visit>& visits) { to_proto(visits, response); });
      });
  if (deps.calibration != nullptr) add_calibration_routes(router, deps);
  if (deps.floor != nullptr) {
    add_rpc<v1::GetStoreFloorRequest, v1::GetStoreFloorResponse>(
        router, deps, "GET", "/v1/stores/{store_id}/floor", "/tastesync.customer_id.v1.Admin/GetStoreFloor",
        [floor = deps.floor](const application::Principal& caller, const v1::GetStoreFloorRequest& request,
                             v1::GetStoreFloorResponse& response) {
          return then(floor->floor(caller, request.store_id()),
                      [&](const application::StoreFloor& found) { to_proto(found, response); });
        });
  }
  if (deps.analytics != nullptr) {
    add_rpc<v1::GetStoreAnalyticsRequest, v1::GetStoreAnalyticsResponse>(
        router, deps, "GET", "/v1/stores/{store_id}/analytics", "/tastesync.customer_id.v1.Admin/GetStoreAnalytics",
        [analytics = deps.analytics](const application::Principal& caller, const v1::GetStoreAnalyticsRequest& request,
                                     v1::GetStoreAnalyticsResponse& response) {
          return then(analytics->analytics(caller, from_proto(request)),
                      [&](const application::StoreAnalytics& figures) { to_proto(figures, response); });
        });
  }
  auto& scanner = deps.scanner;
  auto& credentials = deps.credentials;
  add_rpc<v1::ReportPhoneBeaconRequest, v1::IdentifyResponse>(
      router, deps, "POST", "/v1/stores/{store_id}/phone-beacons",
      "/tastesync.customer_id.v1.StoreScanner/ReportPhoneBeacon",
      [&scanner](const application::Principal& caller, const v1::ReportPhoneBeaconRequest& request,
                 v1::IdentifyResponse& response) -> Result<void> {
        auto report = from_proto(request);
        if (!report) return std::unexpected(report.error());
        return then(scanner.report_phone_beacon(caller, *report),
                    [&](const application::IdentifyResponse& answer) { to_proto(answer, response); });
      });
  add_rpc<v1::ScanCustomerCodeRequest, v1::IdentifyResponse>(
      router, deps, "POST", "/v1/stores/{store_id}/entrance-codes:scan",
      "/tastesync.customer_id.v1.StoreScanner/ScanCustomerCode",
      [&scanner](const application::Principal& caller, const v1::ScanCustomerCodeRequest& request,
                 v1::IdentifyResponse& response) {
        return then(scanner.scan_customer_code(caller, from_proto(request)),
                    [&](const application::IdentifyResponse& answer) { to_proto(answer, response); });
      });
  add_rpc<v1::RegisterPhoneRequest, v1::RegisterPhoneResponse>(
      router, deps, "POST", "/v1/me/phones", "/tastesync.customer_id.v1.CustomerCredentials/RegisterPhone",
      [&credentials](const application::Principal& caller, const v1::RegisterPhoneRequest&,
                     v1::RegisterPhoneResponse& response) {
        return then(credentials.register_phone(caller),
                    [&](const application::RegisteredPhone& phone) { to_proto(phone, response); });
      });
  add_rpc<v1::IssueEntranceCodeRequest, v1::IssueEntranceCodeResponse>(
      router, deps, "POST", "/v1/me/entrance-codes", "/tastesync.customer_id.v1.CustomerCredentials/IssueEntranceCode",
      [&credentials](const application::Principal& caller, const v1::IssueEntranceCodeRequest&,
                     v1::IssueEntranceCodeResponse& response) {
        return then(credentials.issue_entrance_code(caller),
                    [&](const application::IssuedCustomerCode& code) { to_proto(code, response); });
      });
}

}  // namespace tastesync::infrastructure::http
