#pragma once

// Strict readers for the JSON values the service stores (the remembered
// Identify answers, in Redis and in the ledger; presence uses a binary
// format). A stored value may be corrupt, truncated or written by another
// version: every
// field is checked for presence, type and range, and any violation throws
// CorruptValue, which the codecs turn into kInternal at their boundary (no
// exception leaves them). nlohmann's own get<int>() would silently truncate
// a float or wrap a large number, hence these.

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace tastesync::infrastructure::codec::json_fields {

struct CorruptValue : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline const nlohmann::json& field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) throw CorruptValue(std::string("expected an object holding '") + key + "'");
  const auto it = object.find(key);
  if (it == object.end()) throw CorruptValue(std::string("missing '") + key + "'");
  return *it;
}

inline std::string text(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = field(object, key);
  if (!value.is_string()) throw CorruptValue(std::string("'") + key + "' is not a string");
  return value.get<std::string>();
}

inline std::int64_t integer(const nlohmann::json& object, const char* key, std::int64_t min, std::int64_t max) {
  const nlohmann::json& value = field(object, key);
  if (!value.is_number_integer()) throw CorruptValue(std::string("'") + key + "' is not an integer");
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    throw CorruptValue(std::string("'") + key + "' is out of range");
  }
  const auto number = value.get<std::int64_t>();
  if (number < min || number > max) throw CorruptValue(std::string("'") + key + "' is out of range");
  return number;
}

inline int small_int(const nlohmann::json& object, const char* key) {
  return static_cast<int>(integer(object, key, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

inline double real(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = field(object, key);
  if (!value.is_number()) throw CorruptValue(std::string("'") + key + "' is not a number");
  const auto number = value.get<double>();
  if (!std::isfinite(number)) throw CorruptValue(std::string("'") + key + "' is not finite");
  return number;
}

inline bool boolean(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = field(object, key);
  if (!value.is_boolean()) throw CorruptValue(std::string("'") + key + "' is not a boolean");
  return value.get<bool>();
}

// Writers refuse what readers would reject, so a bad value fails loudly at
// save time rather than poisoning the stored record.
inline double checked_real(double value, const char* what) {
  if (!std::isfinite(value)) throw CorruptValue(std::string(what) + " is not finite");
  return value;
}

}  // namespace tastesync::infrastructure::codec::json_fields
