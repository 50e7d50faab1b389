#include "infrastructure/http/gateway_call.h"

#include <algorithm>
#include <optional>
#include <string>

#include "infrastructure/grpc/authenticate.h"
#include "infrastructure/grpc/rpc_call.h"
#include "infrastructure/http/http_error_mapping.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::http {

std::optional<std::string_view> authorization_of(const HttpRequest& http) {
  if (!http.authorization) return std::nullopt;
  return std::string_view(*http.authorization);
}

domain::Result<application::Principal> admit_http_caller(const char* grpc_method, const HttpRequest& http,
                                                         const application::TokenVerifierPort& tokens,
                                                         application::RateLimiterPort* limits) {
  return grpc_adapter::admit_caller(authorization_of(http), tokens, limits, grpc_method);
}

void log_refusal(const char* grpc_method, const domain::Error& error) {
  grpc_adapter::log_outcome(
      grpc_method, /*audited=*/false, nullptr, std::unexpected(error),
      grpc_adapter::CallScope{.arrived = std::chrono::steady_clock::now(), .started = {}, .deadline = {}});
}

HttpResponse error_response(const domain::Error& error) {
  HttpError mapped = to_http_error(error);
  HttpResponse response;
  response.status = mapped.status;
  response.body = std::move(mapped.body);
  if (!mapped.retry_after.empty()) response.headers.emplace_back("Retry-After", mapped.retry_after);
  return response;
}

void run_pooled(grpc_adapter::WorkerPool* workers, const HttpRequest& http, std::function<void()> task,
                const Respond& respond) {
  // A task that throws (a bug: errors are values here) fails its request
  // with a 500, not the process: on a worker thread it would end everything.
  task = [task = std::move(task), respond] {
    try {
      task();
    } catch (const std::exception& e) {
      log::error("http.handler_failed", {{"reason", e.what()}});
      respond(error_response(domain::Error{domain::ErrorCode::kInternal, "internal error", {}}));
    }
  };
  if (workers == nullptr) {
    task();
    return;
  }
  const auto retry_after = workers->retry_after();
  auto not_run = [respond, retry_after](grpc_adapter::Shed why) {
    HttpError mapped = to_http_error(why, retry_after);
    HttpResponse response;
    response.status = mapped.status;
    response.body = std::move(mapped.body);
    if (!mapped.retry_after.empty()) response.headers.emplace_back("Retry-After", mapped.retry_after);
    respond(std::move(response));
  };
  grpc_adapter::WorkerJob job{
      .run = std::move(task), .shed = not_run, .deadline = http.deadline, .caller_gone = http.client_gone};
  if (auto refused = workers->post(std::move(job))) not_run(*refused);
}

}  // namespace tastesync::infrastructure::http
