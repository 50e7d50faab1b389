#pragma once

// How domain values travel to and from SQL. Timestamps cross as integer
// microseconds since the Unix epoch (exact both ways, unlike float seconds)
// and are stored as timestamptz so people reading the database see dates.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities/sighting.h"
#include "domain/entities/zone.h"
#include "domain/error.h"

namespace tastesync::infrastructure::db {

// SQL fragments: a bigint parameter as timestamptz, and back.
// e.g. "INSERT ... VALUES (" CID_SQL_TIMESTAMP_PARAM("$3") ")".
#define CID_SQL_TIMESTAMP_PARAM(param) "(timestamptz 'epoch' + (" param ")::bigint * interval '1 microsecond')"
#define CID_SQL_MICROS(column) "(extract(epoch FROM " column ") * 1000000)::bigint"

// PostgreSQL keeps microseconds: finer digits are truncated.
long long to_micros(domain::Timestamp at);
domain::Timestamp from_micros(long long micros);

const char* zone_kind_to_sql(domain::ZoneKind kind);
domain::ZoneKind zone_kind_from_sql(std::string_view kind);

// Text PostgreSQL would reject (NUL) or a field beyond its size is refused
// with kInvalidArgument naming `field`, before any SQL runs.
domain::Result<void> check_text(std::string_view value, std::size_t max_bytes, bool required, const char* field);

// A text[] literal ('{"a","b"}') for one parameter: libpqxx 6 has no array
// parameters. Every element is quoted, so commas, braces and quotes in an
// id stay inside it.
std::string sql_text_array(const std::vector<std::string>& values);

}  // namespace tastesync::infrastructure::db
