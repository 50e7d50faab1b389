#pragma once

// Structured logging: one JSON object per line on stdout,
//   {"ts":"2026-11-24T02:00:00.123Z","level":"info","event":"identify","request_id":"...",...}
// Callers pass ids and outcomes, never personal data (names, phones, emails,
// tokens).

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace tastesync::infrastructure::log {

// While alive, every line this thread logs carries "request_id": the
// transport sets it once per request, so lines written deep in adapters
// (published events, dependency warnings) can be tied to their request.
class RequestScope {
 public:
  explicit RequestScope(std::string request_id);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  std::string previous_;
};

// Returns false for an unknown level name.
bool init(const std::string& level);
// Cheap (no allocation): for guarding debug lines on the hot path.
bool debug_enabled();

void debug(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void info(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void warn(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void error(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());

}  // namespace tastesync::infrastructure::log
