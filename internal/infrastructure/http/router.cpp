#include "infrastructure/http/router.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

#include "util/hex.h"

namespace tastesync::infrastructure::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 1;  // past the leading '/'
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && util::hex_digit_value(text[i + 1]) >= 0 &&
        util::hex_digit_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(util::hex_digit_value(text[i + 1]) * 16 + util::hex_digit_value(text[i + 2])));
      i += 2;
    } else if (text[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

domain::Result<void> for_each_query_parameter(
    std::string_view query, const std::function<domain::Result<void>(const std::string&, const std::string&)>& take) {
  std::size_t start = 0;
  while (start < query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    const std::string name = percent_decode(pair.substr(0, equals), true);
    const std::string value = equals == std::string_view::npos ? "" : percent_decode(pair.substr(equals + 1), true);
    if (auto ok = take(name, value); !ok) return ok;
  }
  return {};
}

HttpResponse transport_error(unsigned status, const std::string& code, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = nlohmann::json{{"code", code}, {"message", message}}.dump();
  return response;
}

void Router::add(std::string method, const std::string& pattern, Handler handler) {
  std::string label = method + " " + pattern;
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(label), std::move(handler)});
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments, PathParams& params) {
  if (route.segments.size() != segments.size()) return false;
  PathParams found;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      if (segments[i].empty()) return false;
      found[expected.substr(1, expected.size() - 2)] = percent_decode(segments[i], false);
    } else if (expected != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

void Router::dispatch(const HttpRequest& request, Respond respond) const {
  const auto started = std::chrono::steady_clock::now();
  const std::vector<std::string> segments = split_path(request.path);
  std::string allowed;
  for (const Route& route : routes_) {
    PathParams params;
    if (!matches(route, segments, params)) continue;
    if (route.method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    // Counted when the answer leaves, whichever thread produced it.
    Respond counted = [this, label = route.label, started, respond = std::move(respond)](HttpResponse response) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      metrics_.request_finished("http", label, std::to_string(response.status), seconds);
      respond(std::move(response));
    };
    route.handler(request, params, std::move(counted));
    return;
  }
  // Unmatched requests are counted under one label so that scanning for
  // paths cannot create a metric per path tried.
  HttpResponse response =
      allowed.empty() ? transport_error(404, "NOT_FOUND", "no route for " + request.path)
                      : transport_error(405, "METHOD_NOT_ALLOWED",
                                        request.method + " is not allowed on " + request.path + "; use " + allowed);
  if (!allowed.empty()) response.headers.emplace_back("Allow", allowed);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.request_finished("http", "unmatched", std::to_string(response.status), seconds);
  respond(std::move(response));
}

}  // namespace tastesync::infrastructure::http
