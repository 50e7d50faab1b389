#include "application/use_cases/admin_validation.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "application/use_cases/identify_request_validation.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::fail;

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Decodes one UTF-8 sequence at `text[i]`, advancing `i`. Rejects what
// RFC 3629 forbids (overlong forms, surrogates, beyond U+10FFFF), because a
// database or a JSON encoder downstream would otherwise choke on it or, worse,
// read it differently from us.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = [&text](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2;
    value = lead & 0x1fu;
    minimum = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    value = lead & 0x0fu;
    minimum = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    value = lead & 0x07u;
    minimum = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + length > text.size()) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char continuation = byte(i + k);
    if ((continuation & 0xc0) != 0x80) return std::nullopt;
    value = (value << 6) | (continuation & 0x3fu);
  }
  if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return std::nullopt;
  i += length;
  return value;
}

// Unicode general category Cc: C0, DEL and C1. Newlines and tabs in a name
// break log lines, CSV exports and printed table cards alike.
bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7f && c <= 0x9f); }

bool is_email_local_char(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~.-";
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || kSpecials.find(c) != std::string_view::npos;
}

// A hostname label: 1..63 of [A-Za-z0-9-], no hyphen at either end.
bool is_domain_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  for (const char c : label) {
    if (!is_id_char(c) || c == '_') return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t at = text.find(separator); at != std::string_view::npos; at = text.find(separator, start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

}  // namespace

domain::Result<void> validate_id(std::string_view value, const std::string& field) {
  if (value.empty()) return fail(ErrorCode::kInvalidArgument, field + " is required", field);
  if (value.size() > kMaxIdChars) {
    return fail(
        ErrorCode::kInvalidArgument,
        field + " must be at most " + std::to_string(kMaxIdChars) + " characters, got " + std::to_string(value.size()),
        field);
  }
  for (const char c : value) {
    if (!is_id_char(c)) {
      return fail(ErrorCode::kInvalidArgument, field + " may contain only letters, digits, '_' and '-'", field);
    }
  }
  return {};
}

domain::Result<void> validate_name(std::string_view value, const std::string& field) {
  if (value.empty()) return fail(ErrorCode::kInvalidArgument, field + " is required", field);
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t at = i;
    const auto c = next_code_point(value, i);
    if (!c) {
      return fail(ErrorCode::kInvalidArgument, field + " is not valid UTF-8 (at byte " + std::to_string(at) + ")",
                  field);
    }
    if (is_control(*c)) {
      return fail(ErrorCode::kInvalidArgument,
                  field + " must not contain control characters (at byte " + std::to_string(at) + ")", field);
    }
    ++code_points;
  }
  if (code_points > kMaxNameChars) {
    return fail(
        ErrorCode::kInvalidArgument,
        field + " must be at most " + std::to_string(kMaxNameChars) + " characters, got " + std::to_string(code_points),
        field);
  }
  return {};
}

domain::Result<void> validate_phone(std::string_view value, const std::string& field) {
  // E.164 allows at most 15 digits; 8 is the shortest full number in use.
  const auto invalid = [&field] {
    return fail(ErrorCode::kInvalidArgument,
                field + " must be in E.164 form: '+' and 8..15 digits, e.g. +4915112345678", field);
  };
  if (value.size() < 9 || value.size() > 16 || value.front() != '+') return invalid();
  const std::string_view digits = value.substr(1);
  for (const char c : digits) {
    if (!is_digit(c)) return invalid();
  }
  if (digits.front() == '0') {
    return fail(ErrorCode::kInvalidArgument, field + " must start with a country code, which never starts with 0",
                field);
  }
  return {};
}

domain::Result<void> validate_email(std::string_view value, const std::string& field) {
  const auto invalid = [&field](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, field + " must look like name@example.com: " + why, field);
  };
  if (value.size() > kMaxEmailChars) {
    return fail(ErrorCode::kInvalidArgument,
                field + " must be at most " + std::to_string(kMaxEmailChars) + " characters, got " +
                    std::to_string(value.size()),
                field);
  }
  const std::size_t at = value.rfind('@');
  if (at == std::string_view::npos) return invalid("no '@'");
  const std::string_view local = value.substr(0, at);
  const std::string_view domain_part = value.substr(at + 1);
  // Dot-atom local parts only: quoted local parts are legal but no mail
  // provider hands them out, and they are a favourite of injection payloads.
  if (local.empty() || local.size() > 64) return invalid("the part before '@' must be 1..64 characters");
  for (const char c : local) {
    if (!is_email_local_char(c)) return invalid("the part before '@' has a character not allowed there");
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return invalid("dots in the part before '@' must separate words");
  }
  const std::vector<std::string_view> labels = split(domain_part, '.');
  if (labels.size() < 2) return invalid("the domain needs a top-level domain");
  for (const std::string_view label : labels) {
    if (!is_domain_label(label)) return invalid("the domain must be dot-separated labels of letters, digits and '-'");
  }
  // Top-level domains are letters, or punycode ("xn--p1ai") for
  // internationalised ones; an all-digit one would make an IP address.
  const std::string_view tld = labels.back();
  const bool letters_only =
      std::all_of(tld.begin(), tld.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
  if (tld.size() < 2 || !(letters_only || tld.starts_with("xn--"))) {
    return invalid("the top-level domain must be at least 2 letters");
  }
  return {};
}

domain::Result<CheckedBeacon> validate_beacon(const std::string& uuid, std::int64_t major, std::int64_t minor,
                                              std::optional<std::int64_t> tx_power) {
  // Identify's sighting rules are the one definition of a well-formed beacon
  // identity and power: dressed as a sighting with a plausible RSSI and no
  // timestamp, the admin input goes through them unchanged, and only the
  // field path differs ("sightings[0].major" -> "major").
  constexpr std::int64_t kPlausibleRssi = -59;
  const SightingReport report{uuid, major, minor, kPlausibleRssi, tx_power, std::nullopt};
  auto checked = validate_sightings({report}, domain::Timestamp{}, IdentifyLimits{});
  if (!checked) {
    domain::Error error = checked.error();
    constexpr std::string_view kPrefix = "sightings[0].";
    if (error.field.starts_with(kPrefix)) error.field.erase(0, kPrefix.size());
    return std::unexpected(std::move(error));
  }
  return CheckedBeacon{checked->front().beacon, checked->front().tx_power};
}

domain::Result<void> validate_calibration_offset(double offset_db) {
  // Beyond ±30 dB a "correction" swamps the signal itself: the beacon is
  // broken or mis-measured, and it would drag customers to its zone.
  if (!std::isfinite(offset_db) || std::fabs(offset_db) > kMaxCalibrationOffsetDb) {
    return fail(ErrorCode::kInvalidArgument, "calibration_offset_db must be a number within -30..30 dB",
                "calibration_offset_db");
  }
  return {};
}

domain::Result<std::size_t> validate_visits_limit(std::int64_t limit) {
  // Unset (0, protobuf's default for a missing field): the default page.
  if (limit == 0) return kDefaultVisitsLimit;
  if (limit < 0 || limit > kMaxVisitsLimit) {
    return fail(ErrorCode::kInvalidArgument,
                "limit must be 1.." + std::to_string(kMaxVisitsLimit) + " (or absent for " +
                    std::to_string(kDefaultVisitsLimit) + "), got " + std::to_string(limit),
                "limit");
  }
  return static_cast<std::size_t>(limit);
}

domain::Result<void> validate_location(std::optional<double> latitude, std::optional<double> longitude) {
  if (!latitude && !longitude) return {};
  if (!latitude || !longitude) {
    return fail(ErrorCode::kInvalidArgument, "latitude and longitude go together: give both or neither",
                latitude ? "longitude" : "latitude");
  }
  if (!(*latitude >= -90.0 && *latitude <= 90.0)) {
    return fail(ErrorCode::kInvalidArgument, "latitude must be between -90 and 90", "latitude");
  }
  if (!(*longitude >= -180.0 && *longitude <= 180.0)) {
    return fail(ErrorCode::kInvalidArgument, "longitude must be between -180 and 180", "longitude");
  }
  return {};
}

}  // namespace tastesync::application
