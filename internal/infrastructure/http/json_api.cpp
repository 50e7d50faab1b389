#include "infrastructure/http/json_api.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>

#include "infrastructure/grpc/rpc_call.h"
#include "infrastructure/grpc/rpc_table.h"
#include "infrastructure/http/gateway_call.h"

namespace tastesync::infrastructure::http {
namespace {

namespace protobuf = ::google::protobuf;
using domain::ErrorCode;
using domain::fail;
using domain::Result;

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

// When the client stops waiting, on the clock the use cases read.
std::optional<domain::Timestamp> deadline_of(const HttpRequest& http) {
  if (http.deadline == std::chrono::steady_clock::time_point::max()) return std::nullopt;
  return std::chrono::time_point_cast<domain::Clock::duration>(std::chrono::system_clock::now() +
                                                               (http.deadline - std::chrono::steady_clock::now()));
}

// The body and the path and query parameters, into the request message.
template <typename Request>
Result<void> decode_into(Request& request, const HttpRequest& http, const PathParams& params) {
  if (http.method != "GET") {
    if (auto parsed = parse_body(http.body, request); !parsed) return parsed;
  }
  return apply_parameters(params, http.query, request);
}

// A row with a `start` (Identify): admitted, decoded and begun on the HTTPS
// server's own thread (grpc_adapter::begin_answer, as over gRPC).
template <typename Request, typename Response>
void start_route(const grpc_adapter::Rpc<Request, Response>& rpc, const grpc_adapter::RpcUseCases& uses,
                 const grpc_adapter::RpcGate& gate, const HttpRequest& http, const PathParams& params,
                 const Respond& respond, const grpc_adapter::CallScope& scope) {
  // Both outlive this call: the outcome may arrive on another thread.
  auto request = std::make_shared<Request>();
  auto response = std::make_shared<Response>();
  grpc_adapter::begin_answer(
      rpc, uses, gate, authorization_of(http), *request, *response, scope,
      [&] { return decode_into(*request, http, params); },
      [request, response, respond](const Result<void>& result) {
        respond(result ? json_response(*response) : error_response(result.error()));
      },
      [workers = gate.workers, http, respond](std::function<void()> job) {
        run_pooled(workers, http, std::move(job), respond);
      });
}

// The route of one row of the RPC table: the body and the path and query
// parameters become the request message, and the call takes the one path
// both transports share (grpc/rpc_call.h).
template <typename Request, typename Response>
void add_route(Router& router, const JsonApiDependencies& deps, const grpc_adapter::Rpc<Request, Response>& rpc) {
  router.add(std::string(rpc.http_verb), std::string(rpc.http_path),
             [&rpc, uses = deps.uses, gate = deps.gate](const HttpRequest& http, const PathParams& params,
                                                        const Respond& respond) {
               const grpc_adapter::CallScope scope{
                   .arrived = std::chrono::steady_clock::now(), .started = {}, .deadline = deadline_of(http)};
               if (rpc.start != nullptr) {
                 start_route(rpc, uses, gate, http, params, respond, scope);
                 return;
               }
               auto task = [&rpc, uses, gate, http, params, respond, scope] {
                 Request request;
                 Response response;
                 const auto decode = [&]() -> Result<void> { return decode_into(request, http, params); };
                 const auto result =
                     grpc_adapter::answer(rpc, uses, gate, authorization_of(http), request, response, scope, decode);
                 respond(result ? json_response(response) : error_response(result.error()));
               };
               if (rpc.blocks()) {
                 run_pooled(gate.workers, http, std::move(task), respond);
               } else {
                 task();
               }
             });
}

}  // namespace

void add_json_api(Router& router, const JsonApiDependencies& deps) {
  grpc_adapter::for_each_rpc([&](const auto& rpc) {
    if (rpc.bench_only() && !deps.baseline) return;
    add_route(router, deps, rpc);
  });
}

}  // namespace tastesync::infrastructure::http
