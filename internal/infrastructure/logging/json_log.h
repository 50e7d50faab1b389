#pragma once

// Structured logging: one JSON object per line on stdout,
//   {"ts":"2026-11-24T02:00:00.123Z","level":"info","event":"identify","request_id":"...",...}
// Callers pass ids and outcomes, never personal data (names, phones, emails,
// tokens).

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace tastesync::infrastructure::log {

// Returns false for an unknown level name.
bool init(const std::string& level);
bool enabled(std::string_view level);

void debug(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void info(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void warn(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
void error(std::string_view event, const nlohmann::json& fields = nlohmann::json::object());

}  // namespace tastesync::infrastructure::log
