#include "infrastructure/logging/json_log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <utility>

namespace tastesync::infrastructure::log {
namespace {

thread_local std::string current_request_id;

std::shared_ptr<spdlog::logger> make_logger() {
  auto logger = spdlog::stdout_logger_mt("customer-id");
  // The fields after "level" are a JSON fragment we build ourselves, so the
  // line stays one valid JSON object whatever the message contains.
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::warn);
  return logger;
}

spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

void write(spdlog::level::level_enum level, std::string_view event, const nlohmann::json& fields) {
  if (!logger().should_log(level)) return;
  nlohmann::json line = nlohmann::json::object();
  line["event"] = event;
  if (!current_request_id.empty()) line["request_id"] = current_request_id;
  if (fields.is_object()) line.update(fields);
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Drop the braces: the pattern supplies them around ts and level.
  logger().log(level, "{}", std::string_view(text).substr(1, text.size() - 2));
}

}  // namespace

RequestScope::RequestScope(std::string request_id)
    : previous_(std::exchange(current_request_id, std::move(request_id))) {}

RequestScope::~RequestScope() { current_request_id = std::move(previous_); }

bool init(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  logger().set_level(parsed);
  return true;
}

bool debug_enabled() { return logger().should_log(spdlog::level::debug); }

void debug(std::string_view event, const nlohmann::json& fields) { write(spdlog::level::debug, event, fields); }
void info(std::string_view event, const nlohmann::json& fields) { write(spdlog::level::info, event, fields); }
void warn(std::string_view event, const nlohmann::json& fields) { write(spdlog::level::warn, event, fields); }
void error(std::string_view event, const nlohmann::json& fields) { write(spdlog::level::err, event, fields); }

}  // namespace tastesync::infrastructure::log
