#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "application/ports/metrics_port.h"
#include "domain/error.h"
#include "infrastructure/http/http_types.h"

namespace tastesync::infrastructure::http {

// Matches method + path against routes like "/v1/stores/{store_id}/presence"
// (a segment is a literal or one {name}), answers 404 for an unknown path and
// 405 (with Allow) for a known path with another method, and counts every
// request per route in the metrics.
class Router {
 public:
  using Handler = std::function<void(const HttpRequest&, const PathParams&, Respond)>;

  explicit Router(application::MetricsPort& metrics) : metrics_(metrics) {}

  // Not thread-safe: add every route before serving.
  void add(std::string method, const std::string& pattern, Handler handler);

  void dispatch(const HttpRequest& request, Respond respond) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string label;  // "GET /v1/stores/{store_id}/presence", for metrics
    Handler handler;
  };
  static bool matches(const Route& route, const std::vector<std::string>& segments, PathParams& params);

  application::MetricsPort& metrics_;
  std::vector<Route> routes_;
};

// {"code": ..., "message": ...} with `status`, for errors that are the
// transport's own (no route, bad method, too large).
HttpResponse transport_error(unsigned status, const std::string& code, const std::string& message);

// "%2F" -> "/", "+" kept (paths) or turned into ' ' (query values).
std::string percent_decode(std::string_view text, bool plus_is_space);

// Calls `take(name, value)` for each name=value of a query string, decoded,
// in order (empty pairs skipped, a missing '=' is an empty value); stops at
// and returns the first error `take` returns.
domain::Result<void> for_each_query_parameter(
    std::string_view query, const std::function<domain::Result<void>(const std::string&, const std::string&)>& take);

}  // namespace tastesync::infrastructure::http
