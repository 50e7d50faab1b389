#include "infrastructure/http/operations_routes.h"

namespace tastesync::infrastructure::http {

void add_operations_routes(Router& router, const health::Readiness& readiness,
                           std::function<std::string()> metrics_text) {
  router.add("GET", "/healthz", [](const HttpRequest&, const PathParams&, const Respond& respond) {
    HttpResponse response;
    response.body = R"({"status":"alive"})";
    respond(std::move(response));
  });
  router.add("GET", "/readyz", [&readiness](const HttpRequest&, const PathParams&, const Respond& respond) {
    HttpResponse response;
    response.status = readiness.ready() ? 200 : 503;
    response.body = readiness.to_json();
    respond(std::move(response));
  });
  router.add("GET", "/metrics",
             [metrics_text = std::move(metrics_text)](const HttpRequest&, const PathParams&, const Respond& respond) {
               HttpResponse response;
               response.content_type = "text/plain; version=0.0.4; charset=utf-8";
               response.body = metrics_text();
               respond(std::move(response));
             });
}

}  // namespace tastesync::infrastructure::http
