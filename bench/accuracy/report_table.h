#pragma once

// The one table `make accuracy` prints: a row per metric, a column per
// simulated configuration, in Markdown so it pastes into the README.

#include <optional>
#include <string>
#include <vector>

namespace tastesync::bench {

class ReportTable {
 public:
  explicit ReportTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  void add_row(std::string metric, std::vector<std::string> cells) {
    rows_.push_back(Row{std::move(metric), std::move(cells)});
  }
  std::string markdown() const;

 private:
  struct Row {
    std::string metric;
    std::vector<std::string> cells;
  };
  std::vector<std::string> columns_;
  std::vector<Row> rows_;
};

std::string percent(double share, int decimals = 1);                     // "97.3%"
std::string number(double value, int decimals);                          // "0.12"
std::string or_never(const std::optional<double>& value, int decimals);  // "never" for nullopt

}  // namespace tastesync::bench
