#include "infrastructure/db/pg_values.h"

#include <chrono>

namespace tastesync::infrastructure::db {

long long to_micros(domain::Timestamp at) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count());
}

domain::Timestamp from_micros(long long micros) {
  return domain::Timestamp(std::chrono::duration_cast<domain::Timestamp::duration>(std::chrono::microseconds(micros)));
}

const char* zone_kind_to_sql(domain::ZoneKind kind) {
  return kind == domain::ZoneKind::kEntrance ? "entrance" : "table";
}

domain::ZoneKind zone_kind_from_sql(std::string_view kind) {
  return kind == "entrance" ? domain::ZoneKind::kEntrance : domain::ZoneKind::kTable;
}

domain::Result<void> check_text(std::string_view value, std::size_t max_bytes, bool required, const char* field) {
  using domain::ErrorCode;
  if (required && value.empty()) {
    return domain::fail(ErrorCode::kInvalidArgument, std::string(field) + " must not be empty", field);
  }
  if (value.size() > max_bytes) {
    return domain::fail(ErrorCode::kInvalidArgument,
                        std::string(field) + " must be at most " + std::to_string(max_bytes) + " bytes", field);
  }
  // PostgreSQL text cannot hold NUL; refusing it here gives the caller a
  // clear error instead of a driver failure.
  if (value.find('\0') != std::string_view::npos) {
    return domain::fail(ErrorCode::kInvalidArgument, std::string(field) + " must not contain NUL characters", field);
  }
  return {};
}

std::string sql_text_array(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (const std::string& value : values) {
    if (literal.size() > 1) literal += ',';
    literal += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

}  // namespace tastesync::infrastructure::db
