#pragma once

// What the service counts, in its own words. Transports and use cases report
// here; the Prometheus adapter (infrastructure/metrics) turns it into
// families, so nothing inward of the adapters includes prometheus-cpp.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tastesync::application {

class MetricsPort {
 public:
  virtual ~MetricsPort() = default;

  // One finished request. transport: "grpc" or "http"; method: the gRPC full
  // method name or the HTTP route ("POST /v1/identify"); code: the gRPC status
  // name or the HTTP status number.
  virtual void request_finished(std::string_view transport, std::string_view method, std::string_view code,
                                double seconds) = 0;
  // An Identify answered (outcome "identified") or refused (the error code),
  // by the signal that carried it: "beacons" or "table_qr".
  virtual void identification(std::string_view signal, std::string_view outcome) = 0;
  // A customer changed zone; to: "entrance" or "table".
  virtual void transition(std::string_view to) = 0;
  // A request turned away by a rate limiter, by the caller's role.
  virtual void rate_limited(std::string_view role) = 0;
  // A cache answered (hit) or had to ask further (miss); cache: e.g. "token".
  virtual void cache_lookups(std::string_view cache, std::uint64_t hits, std::uint64_t misses) = 0;
  // Unsent outbox rows and the age of the oldest, as last seen by this instance.
  virtual void outbox_backlog(std::int64_t rows, double oldest_age_seconds) = 0;
  // Requests refused or dropped under overload since the last report, by
  // reason: refused at once ("queue_full", "queue_delay", "no_time_left",
  // "stopping") or dropped unrun after waiting ("queue_timeout", and expired
  // before they ran: "deadline_passed", "caller_gone").
  virtual void requests_shed(std::string_view reason, std::uint64_t count) = 0;
  // How long a request that ran had waited for a worker.
  virtual void request_queued(double seconds) = 0;
};

// For callers that need a MetricsPort and have none to report to.
class NoMetrics final : public MetricsPort {
 public:
  void request_finished(std::string_view, std::string_view, std::string_view, double) override {}
  void identification(std::string_view, std::string_view) override {}
  void transition(std::string_view) override {}
  void rate_limited(std::string_view) override {}
  void cache_lookups(std::string_view, std::uint64_t, std::uint64_t) override {}
  void outbox_backlog(std::int64_t, double) override {}
  void requests_shed(std::string_view, std::uint64_t) override {}
  void request_queued(double) override {}
};

}  // namespace tastesync::application
