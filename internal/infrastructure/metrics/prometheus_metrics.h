#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "application/ports/metrics_port.h"

namespace tastesync::infrastructure::metrics {

// The MetricsPort as Prometheus families in one registry, served as text by
// the HTTPS gateway's GET /metrics. Thread-safe.
class PrometheusMetrics final : public application::MetricsPort {
 public:
  PrometheusMetrics();

  void request_finished(std::string_view transport, std::string_view method, std::string_view code,
                        double seconds) override;
  void identification(std::string_view signal, std::string_view outcome) override;
  void transition(std::string_view to) override;
  void rate_limited(std::string_view method) override;
  void cache_lookups(std::string_view cache, std::uint64_t hits, std::uint64_t misses) override;
  void outbox_backlog(std::int64_t rows, double oldest_age_seconds) override;
  void requests_shed(std::string_view reason, std::uint64_t count) override;
  void request_queued(double seconds) override;

  // Runs before every scrape: for figures that other parts keep themselves
  // (e.g. the token cache's counters) and report through this port.
  void on_scrape(std::function<void()> refresh);

  // The Prometheus text exposition format (version 0.0.4).
  std::string scrape();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& identifications_;
  prometheus::Family<prometheus::Counter>& transitions_;
  prometheus::Family<prometheus::Counter>& rate_limited_;
  prometheus::Family<prometheus::Counter>& shed_;
  prometheus::Histogram& queue_wait_;
  prometheus::Family<prometheus::Counter>& cache_hits_;
  prometheus::Family<prometheus::Counter>& cache_misses_;
  prometheus::Gauge& outbox_rows_;
  prometheus::Gauge& outbox_oldest_age_;
  std::mutex refresh_mutex_;
  std::vector<std::function<void()>> refreshers_;
};

}  // namespace tastesync::infrastructure::metrics
