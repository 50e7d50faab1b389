#pragma once

// A MetricsPort that keeps what it was told, as "transport method code",
// "signal outcome" and zone kinds, for tests to compare.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "application/ports/metrics_port.h"

namespace tastesync::testing {

class RecordingMetrics final : public application::MetricsPort {
 public:
  void request_finished(std::string_view transport, std::string_view method, std::string_view code, double) override {
    requests.push_back(std::string(transport) + " " + std::string(method) + " " + std::string(code));
  }
  void identification(std::string_view signal, std::string_view outcome) override {
    identifications.push_back(std::string(signal) + " " + std::string(outcome));
  }
  void transition(std::string_view to) override { transitions.emplace_back(to); }
  void rate_limited(std::string_view) override {}
  void cache_lookups(std::string_view, std::uint64_t, std::uint64_t) override {}
  void outbox_backlog(std::int64_t, double) override {}
  void requests_shed(std::string_view reason, std::uint64_t count) override {
    shed.push_back(std::string(reason) + " " + std::to_string(count));
  }
  void request_queued(double) override {}

  std::vector<std::string> requests, identifications, transitions, shed;
};

}  // namespace tastesync::testing
