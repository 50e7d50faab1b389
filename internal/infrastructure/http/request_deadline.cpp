#include "infrastructure/http/request_deadline.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace tastesync::infrastructure::http {

std::optional<std::chrono::nanoseconds> parse_grpc_timeout(std::string_view value) {
  // The gRPC spec allows at most 8 digits, so every value fits in nanoseconds.
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  std::int64_t amount = 0;
  const std::string_view digits = value.substr(0, value.size() - 1);
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), amount);
  if (error != std::errc() || end != digits.data() + digits.size() || amount < 0) return std::nullopt;
  switch (value.back()) {
    case 'H': return std::chrono::hours(amount);
    case 'M': return std::chrono::minutes(amount);
    case 'S': return std::chrono::seconds(amount);
    case 'm': return std::chrono::milliseconds(amount);
    case 'u': return std::chrono::microseconds(amount);
    case 'n': return std::chrono::nanoseconds(amount);
    default: return std::nullopt;
  }
}

std::chrono::steady_clock::time_point request_deadline(std::chrono::steady_clock::time_point received,
                                                       std::optional<std::string_view> grpc_timeout,
                                                       std::chrono::steady_clock::duration limit) {
  auto budget = limit;
  if (grpc_timeout) {
    if (const auto asked = parse_grpc_timeout(*grpc_timeout)) {
      budget = std::min(budget, std::chrono::duration_cast<std::chrono::steady_clock::duration>(*asked));
    }
  }
  return received + budget;
}

}  // namespace tastesync::infrastructure::http
