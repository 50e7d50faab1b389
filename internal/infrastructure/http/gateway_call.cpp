#include "infrastructure/http/gateway_call.h"

#include <algorithm>
#include <optional>
#include <string>

#include "infrastructure/grpc/authenticate.h"
#include "infrastructure/http/http_error_mapping.h"
#include "infrastructure/http/router.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::http {

domain::Result<application::Principal> admit_http_caller(const char* grpc_method, const HttpRequest& http,
                                                         const application::TokenVerifierPort& tokens,
                                                         application::RateLimiterPort* limits) {
  std::optional<std::string_view> authorization;
  if (http.authorization) authorization = *http.authorization;
  return grpc_adapter::admit_caller(authorization, tokens, limits, grpc_method);
}

HttpResponse error_response(const char* grpc_method, const domain::Error& error) {
  log::info("http.rejected", {{"rpc", grpc_method},
                              {"status", domain::to_string(error.code)},
                              {"field", error.field},
                              {"reason", error.message}});
  HttpError mapped = to_http_error(error);
  HttpResponse response;
  response.status = mapped.status;
  response.body = std::move(mapped.body);
  if (!mapped.retry_after.empty()) response.headers.emplace_back("Retry-After", mapped.retry_after);
  return response;
}

void run_pooled(grpc_adapter::WorkerPool* workers, std::function<void()> task, const Respond& respond) {
  if (workers == nullptr) {
    task();
    return;
  }
  const auto retry_after = workers->retry_after();
  const std::string retry_seconds = std::to_string(std::max<long long>(1, (retry_after.count() + 999) / 1000));
  auto overloaded = [respond, retry_seconds](grpc_adapter::Shed why) {
    HttpResponse response = transport_error(
        503, "UNAVAILABLE",
        std::string("server overloaded (") + grpc_adapter::to_string(why) + "): the request was not run; retry");
    response.headers.emplace_back("Retry-After", retry_seconds);
    respond(std::move(response));
  };
  // HTTP/1.1 carries no deadline and the server cannot see a client leave
  // mid-request: admission by queueing delay is what bounds the wait.
  grpc_adapter::WorkerJob job{.run = std::move(task),
                              .shed = overloaded,
                              .deadline = std::chrono::steady_clock::time_point::max(),
                              .caller_gone = {}};
  if (auto refused = workers->post(std::move(job))) overloaded(*refused);
}

}  // namespace tastesync::infrastructure::http
