#include "infrastructure/http/floor_page_routes.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "admin.pb.h"
#include "infrastructure/grpc/admin_proto_mapping.h"
#include "infrastructure/grpc/rpc_roles.h"
#include "infrastructure/http/gateway_call.h"
#include "infrastructure/http/web_assets.h"

namespace tastesync::infrastructure::http {
namespace {

using domain::ErrorCode;
using domain::fail;
using domain::Result;

const std::string kFloorRpc(grpc_adapter::rpc::kGetStoreFloor);
const std::string kAnalyticsRpc(grpc_adapter::rpc::kGetStoreAnalytics);

void refuse(const std::string& rpc, const domain::Error& error, const Respond& respond) {
  log_refusal(rpc.c_str(), error);
  respond(error_response(error));
}

// The page loads only its own files and talks only to this server; the token
// lives in the page, so nothing may frame it or learn where it came from.
void add_page_headers(HttpResponse& response) {
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cache-Control", "no-cache");
}

std::string content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

void add_static_routes(Router& router) {
  for (const WebAsset& asset : web_assets()) {
    const std::string path = asset.name == "index.html" ? "/floor/" : "/floor/" + std::string(asset.name);
    router.add("GET", path, [asset](const HttpRequest&, const PathParams&, const Respond& respond) {
      HttpResponse response;
      response.content_type = content_type_of(asset.name);
      response.body = std::string(asset.body);
      add_page_headers(response);
      respond(std::move(response));
    });
  }
  router.add("GET", "/floor", [](const HttpRequest&, const PathParams&, const Respond& respond) {
    HttpResponse response;
    response.status = 301;
    response.content_type = "text/plain";
    response.headers.emplace_back("Location", "/floor/");
    respond(std::move(response));
  });
}

// ?from_date=...&to_date=...&time_zone=... (camelCase too, as the JSON
// route); anything else is refused by name.
Result<application::StoreAnalyticsRequest> analytics_request(const std::string& store_id, const std::string& query) {
  application::StoreAnalyticsRequest request{store_id, {}, {}, {}};
  const std::map<std::string, std::string*> fields{{"from_date", &request.from_date}, {"fromDate", &request.from_date},
                                                   {"to_date", &request.to_date},     {"toDate", &request.to_date},
                                                   {"time_zone", &request.time_zone}, {"timeZone", &request.time_zone}};
  auto read =
      for_each_query_parameter(query, [&fields](const std::string& name, const std::string& value) -> Result<void> {
        const auto field = fields.find(name);
        if (field == fields.end()) return fail(ErrorCode::kInvalidArgument, "unknown parameter '" + name + "'", name);
        *field->second = value;
        return {};
      });
  if (!read) return std::unexpected(read.error());
  return request;
}

std::string number(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// One section per figure, "section,key,value": a spreadsheet opens it as it
// is and a script can filter by the first column.
std::string to_csv(const application::StoreAnalytics& figures) {
  std::string csv = "section,key,value\n";
  const auto row = [&csv](const std::string& section, const std::string& key, const std::string& value) {
    csv += section + "," + key + "," + value + "\n";
  };
  row("period", "from_date", figures.period.from_date);
  row("period", "to_date", figures.period.to_date);
  row("period", "time_zone", figures.period.time_zone);
  row("period", "open_days", std::to_string(figures.open_days));
  row("period", "open_hours", number(figures.open_hours, 2));
  row("visits", "total", std::to_string(figures.visits));
  for (std::size_t hour = 0; hour < figures.visits_per_hour.size(); ++hour) {
    row("visits_per_hour", (hour < 10 ? "0" : "") + std::to_string(hour),
        std::to_string(figures.visits_per_hour[hour]));
  }
  row("visit_length", "count", std::to_string(figures.visit_length.count));
  row("visit_length", "median_seconds", number(figures.visit_length.median_seconds, 0));
  row("visit_length", "p90_seconds", number(figures.visit_length.p90_seconds, 0));
  row("time_to_seat", "count", std::to_string(figures.time_to_seat.count));
  row("time_to_seat", "median_seconds", number(figures.time_to_seat.median_seconds, 0));
  row("time_to_seat", "p90_seconds", number(figures.time_to_seat.p90_seconds, 0));
  row("customers", "new", std::to_string(figures.new_customers));
  row("customers", "returning", std::to_string(figures.returning_customers));
  // Zone ids are [A-Za-z0-9_-] (validated): no quoting needed.
  for (const application::TableFigures& table : figures.tables) {
    row("table_occupancy", table.zone_id, number(table.occupancy, 4));
    row("table_sittings", table.zone_id, std::to_string(table.sittings));
    row("table_turnover_per_day", table.zone_id, number(table.turnover_per_day, 2));
  }
  return csv;
}

// One change as an SSE message: the customer as GetStoreFloor shows them.
std::string change_message(const application::FloorChange& change) {
  customer_id::v1::FloorCustomer customer;
  grpc_adapter::to_proto(change.customer, customer);
  std::string customer_json;
  (void)google::protobuf::util::MessageToJsonString(customer, &customer_json);
  const nlohmann::json message{{"kind", change.kind},
                               {"previousZoneId", change.previous_zone_id},
                               {"customer", nlohmann::json::parse(customer_json)}};
  return "event: change\ndata: " + message.dump() + "\n\n";
}

// Sent first and again after a gap in the feed: the page reloads the floor
// on it (a fresh snapshot), then applies the changes that follow.
constexpr const char* kReadyMessage = "event: ready\ndata: {}\n\n";

// Between the subscription (made while checking the caller) and the stream
// (opened once the head is sent): changes in that gap wait here.
struct PendingStream {
  std::mutex mutex;
  std::shared_ptr<EventStream> stream;
  std::vector<std::string> waiting;

  void send(std::string message) {
    std::scoped_lock lock(mutex);
    if (stream) {
      stream->send(std::move(message));
    } else {
      waiting.push_back(std::move(message));
    }
  }
  void open(const std::shared_ptr<EventStream>& opened) {
    std::scoped_lock lock(mutex);
    stream = opened;
    stream->send(kReadyMessage);
    for (std::string& message : waiting) stream->send(std::move(message));
    waiting.clear();
  }
};

}  // namespace

void add_floor_page_routes(Router& router, const FloorPageDependencies& deps) {
  add_static_routes(router);

  router.add("GET", "/v1/stores/{store_id}/floor/events",
             [deps](const HttpRequest& http, const PathParams& params, const Respond& respond) {
               auto task = [deps, http, params, respond] {
                 auto caller = admit_http_caller(kFloorRpc.c_str(), http, deps.tokens, deps.limits);
                 if (!caller) return refuse(kFloorRpc, caller.error(), respond);
                 auto pending = std::make_shared<PendingStream>();
                 auto subscription = deps.floor.watch(
                     *caller, params.at("store_id"),
                     [pending](const application::FloorChange& change) { pending->send(change_message(change)); },
                     [pending] { pending->send(kReadyMessage); });
                 if (!subscription) return refuse(kFloorRpc, subscription.error(), respond);
                 HttpResponse response;
                 response.headers.emplace_back("X-Accel-Buffering", "no");
                 std::shared_ptr<void> kept(std::move(*subscription));
                 response.open_stream = [pending, kept](const std::shared_ptr<EventStream>& stream) {
                   stream->keep(kept);
                   pending->open(stream);
                 };
                 respond(std::move(response));
               };
               run_pooled(deps.workers, http, std::move(task), respond);
             });

  router.add("GET", "/v1/stores/{store_id}/analytics.csv",
             [deps](const HttpRequest& http, const PathParams& params, const Respond& respond) {
               auto task = [deps, http, params, respond] {
                 auto caller = admit_http_caller(kAnalyticsRpc.c_str(), http, deps.tokens, deps.limits);
                 if (!caller) return refuse(kAnalyticsRpc, caller.error(), respond);
                 auto request = analytics_request(params.at("store_id"), http.query);
                 if (!request) return refuse(kAnalyticsRpc, request.error(), respond);
                 auto figures = deps.analytics.analytics(*caller, *request);
                 if (!figures) return refuse(kAnalyticsRpc, figures.error(), respond);
                 HttpResponse response;
                 response.content_type = "text/csv; charset=utf-8";
                 response.body = to_csv(*figures);
                 response.headers.emplace_back(
                     "Content-Disposition", "attachment; filename=\"" + figures->period.store_id + "-" +
                                                figures->period.from_date + "-" + figures->period.to_date + ".csv\"");
                 respond(std::move(response));
               };
               run_pooled(deps.workers, http, std::move(task), respond);
             });
}

}  // namespace tastesync::infrastructure::http
