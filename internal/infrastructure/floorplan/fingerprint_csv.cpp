#include "infrastructure/floorplan/fingerprint_csv.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"

namespace tastesync::infrastructure {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr std::string_view kZoneColumn = "zone";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  // Spreadsheets quote cells; no cell of this format needs a comma inside.
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  return text;
}

std::vector<std::string_view> cells_of(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    cells.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return cells;
}

template <typename Number>
std::optional<Number> number(std::string_view text) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

struct BeaconColumn {
  std::string uuid;  // canonical
  std::int64_t major = 0;
  std::int64_t minor = 0;
};

// "uuid:major:minor", the way the rest of the tooling prints a beacon.
std::optional<BeaconColumn> beacon_column(std::string_view name) {
  const std::size_t second = name.rfind(':');
  if (second == std::string_view::npos || second == 0) return std::nullopt;
  const std::size_t first = name.rfind(':', second - 1);
  if (first == std::string_view::npos) return std::nullopt;
  auto uuid = domain::BeaconUuid::parse(name.substr(0, first));
  auto major = number<std::int64_t>(name.substr(first + 1, second - first - 1));
  auto minor = number<std::int64_t>(name.substr(second + 1));
  if (!uuid || !major || !minor || *major < 0 || *major > 65535 || *minor < 0 || *minor > 65535) return std::nullopt;
  return BeaconColumn{uuid->to_string(), *major, *minor};
}

std::string where(int line, std::string_view column) {
  return "line " + std::to_string(line) + ", column '" + std::string(column) + "'";
}

}  // namespace

domain::Result<FingerprintCsv> parse_fingerprint_csv(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // The header is the first line that is not blank.
  std::size_t header_at = 0;
  while (header_at < lines.size() && trim(lines[header_at]).empty()) ++header_at;
  if (header_at == lines.size()) {
    return fail(ErrorCode::kInvalidArgument, "the file is empty; expected a header 'zone,<uuid:major:minor>,...'",
                "file");
  }
  const int header_line = static_cast<int>(header_at) + 1;
  const std::vector<std::string_view> header = cells_of(lines[header_at]);
  std::optional<std::size_t> zone_column;
  std::vector<std::optional<BeaconColumn>> beacons(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == kZoneColumn) {
      if (zone_column)
        return fail(ErrorCode::kInvalidArgument, "line " + std::to_string(header_line) + ": two 'zone' columns",
                    "file");
      zone_column = c;
      continue;
    }
    beacons[c] = beacon_column(header[c]);
    if (!beacons[c]) {
      return fail(ErrorCode::kInvalidArgument,
                  where(header_line, header[c]) + " is neither 'zone' nor a beacon written uuid:major:minor", "file");
    }
    for (std::size_t earlier = 0; earlier < c; ++earlier) {
      if (beacons[earlier] && beacons[earlier]->uuid == beacons[c]->uuid &&
          beacons[earlier]->major == beacons[c]->major && beacons[earlier]->minor == beacons[c]->minor) {
        return fail(ErrorCode::kInvalidArgument, where(header_line, header[c]) + ": that beacon has two columns",
                    "file");
      }
    }
  }
  if (!zone_column) {
    return fail(ErrorCode::kInvalidArgument, "line " + std::to_string(header_line) + ": no 'zone' column in the header",
                "file");
  }
  if (header.size() < 2) {
    return fail(ErrorCode::kInvalidArgument, "line " + std::to_string(header_line) + ": no beacon column in the header",
                "file");
  }

  FingerprintCsv csv;
  for (std::size_t l = header_at + 1; l < lines.size(); ++l) {
    if (trim(lines[l]).empty()) continue;
    const int line = static_cast<int>(l) + 1;
    const std::vector<std::string_view> cells = cells_of(lines[l]);
    if (cells.size() != header.size()) {
      return fail(ErrorCode::kInvalidArgument,
                  "line " + std::to_string(line) + ": " + std::to_string(cells.size()) + " cells, the header has " +
                      std::to_string(header.size()),
                  "file");
    }
    application::FingerprintSampleRequest sample;
    sample.zone_id = std::string(cells[*zone_column]);
    if (sample.zone_id.empty()) {
      return fail(ErrorCode::kInvalidArgument, where(line, kZoneColumn) + ": the zone label is empty", "file");
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c == *zone_column || cells[c].empty()) continue;  // empty: not heard
      const auto rssi = number<std::int64_t>(cells[c]);
      if (!rssi) {
        return fail(ErrorCode::kInvalidArgument,
                    where(line, header[c]) + ": '" + std::string(cells[c]) + "' is not a whole number of dBm", "file");
      }
      if (*rssi == domain::kNotHeardRssi) continue;
      if (*rssi < -127 || *rssi > -1) {
        return fail(ErrorCode::kInvalidArgument,
                    where(line, header[c]) + ": RSSI " + std::to_string(*rssi) +
                        " is outside -127..-1 dBm (leave the cell empty or write -200 for not heard)",
                    "file");
      }
      sample.readings.push_back({beacons[c]->uuid, beacons[c]->major, beacons[c]->minor, *rssi});
    }
    // A scan that heard no beacon says nothing about its zone (the zone
    // filter would leave it out too); a scanning app's export has them where
    // the phone missed a round of advertisements.
    if (sample.readings.empty()) {
      csv.unheard_lines.push_back(line);
      continue;
    }
    csv.samples.push_back(std::move(sample));
    csv.lines.push_back(line);
  }
  if (csv.samples.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                csv.unheard_lines.empty() ? "the file has a header but no scans"
                                          : "no scan in the file heard any of its beacons",
                "file");
  }
  return csv;
}

}  // namespace tastesync::infrastructure
