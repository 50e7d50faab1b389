#include "accuracy/report_table.h"

#include <cstdio>

namespace tastesync::bench {

std::string ReportTable::markdown() const {
  std::string out = "| metric |";
  for (const std::string& column : columns_) out += " " + column + " |";
  out += "\n|---|";
  for (std::size_t i = 0; i < columns_.size(); ++i) out += "---|";
  out += "\n";
  for (const Row& row : rows_) {
    out += "| " + row.metric + " |";
    for (std::size_t i = 0; i < columns_.size(); ++i) out += " " + (i < row.cells.size() ? row.cells[i] : "") + " |";
    out += "\n";
  }
  return out;
}

std::string number(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string percent(double share, int decimals) { return number(100.0 * share, decimals) + "%"; }

std::string or_never(const std::optional<double>& value, int decimals) {
  return value ? number(*value, decimals) : "never";
}

}  // namespace tastesync::bench
