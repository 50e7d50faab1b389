#include "infrastructure/metrics/prometheus_metrics.h"

#include <prometheus/text_serializer.h>

namespace tastesync::infrastructure::metrics {
namespace {

// From 100 µs (a cached, unchanged sighting) to 2.5 s (past any client's
// patience); the service's own target is a few milliseconds.
const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                                  0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
  return buckets;
}

std::string text(std::string_view value) { return std::string(value); }

}  // namespace

PrometheusMetrics::PrometheusMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("customer_id_requests_total")
                    .Help("Finished requests by transport, gRPC method or HTTP route, and status")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("customer_id_request_duration_seconds")
                   .Help("Time from a request's arrival to its answer, by transport and gRPC method or HTTP route")
                   .Register(*registry_)),
      identifications_(prometheus::BuildCounter()
                           .Name("customer_id_identifications_total")
                           .Help("Identify calls by signal (beacons, table_qr) and outcome (identified or the error)")
                           .Register(*registry_)),
      transitions_(prometheus::BuildCounter()
                       .Name("customer_id_transitions_total")
                       .Help("Customers who changed zone, by the kind of zone they moved to")
                       .Register(*registry_)),
      rate_limited_(prometheus::BuildCounter()
                        .Name("customer_id_rate_limited_total")
                        .Help("Requests turned away by a rate limit, by the caller's role")
                        .Register(*registry_)),
      shed_(prometheus::BuildCounter()
                .Name("customer_id_requests_shed_total")
                .Help("Requests refused or dropped under overload, by reason")
                .Register(*registry_)),
      queue_wait_(prometheus::BuildHistogram()
                      .Name("customer_id_request_queue_wait_seconds")
                      .Help("Time a request that ran waited for a worker (grpc.max_queue_delay_ms bounds it)")
                      .Register(*registry_)
                      .Add({}, latency_buckets())),
      cache_hits_(prometheus::BuildCounter()
                      .Name("customer_id_cache_hits_total")
                      .Help("Lookups a cache answered, by cache")
                      .Register(*registry_)),
      cache_misses_(prometheus::BuildCounter()
                        .Name("customer_id_cache_misses_total")
                        .Help("Lookups a cache could not answer, by cache")
                        .Register(*registry_)),
      outbox_rows_(prometheus::BuildGauge()
                       .Name("customer_id_outbox_backlog_rows")
                       .Help("Events written but not yet delivered to Kafka (as seen by the relaying instance)")
                       .Register(*registry_)
                       .Add({})),
      outbox_oldest_age_(prometheus::BuildGauge()
                             .Name("customer_id_outbox_oldest_age_seconds")
                             .Help("Age of the oldest undelivered event")
                             .Register(*registry_)
                             .Add({})) {}

void PrometheusMetrics::request_finished(std::string_view transport, std::string_view method, std::string_view code,
                                         double seconds) {
  requests_.Add({{"transport", text(transport)}, {"method", text(method)}, {"code", text(code)}}).Increment();
  latency_.Add({{"transport", text(transport)}, {"method", text(method)}}, latency_buckets()).Observe(seconds);
}

void PrometheusMetrics::identification(std::string_view signal, std::string_view outcome) {
  identifications_.Add({{"signal", text(signal)}, {"outcome", text(outcome)}}).Increment();
}

void PrometheusMetrics::transition(std::string_view to) { transitions_.Add({{"to", text(to)}}).Increment(); }

void PrometheusMetrics::rate_limited(std::string_view role) { rate_limited_.Add({{"role", text(role)}}).Increment(); }

void PrometheusMetrics::cache_lookups(std::string_view cache, std::uint64_t hits, std::uint64_t misses) {
  cache_hits_.Add({{"cache", text(cache)}}).Increment(static_cast<double>(hits));
  cache_misses_.Add({{"cache", text(cache)}}).Increment(static_cast<double>(misses));
}

void PrometheusMetrics::requests_shed(std::string_view reason, std::uint64_t count) {
  shed_.Add({{"reason", text(reason)}}).Increment(static_cast<double>(count));
}

void PrometheusMetrics::request_queued(double seconds) { queue_wait_.Observe(seconds); }

void PrometheusMetrics::outbox_backlog(std::int64_t rows, double oldest_age_seconds) {
  outbox_rows_.Set(static_cast<double>(rows));
  outbox_oldest_age_.Set(oldest_age_seconds);
}

void PrometheusMetrics::on_scrape(std::function<void()> refresh) {
  std::scoped_lock lock(refresh_mutex_);
  refreshers_.push_back(std::move(refresh));
}

std::string PrometheusMetrics::scrape() {
  {
    std::scoped_lock lock(refresh_mutex_);
    for (const auto& refresh : refreshers_) refresh();
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace tastesync::infrastructure::metrics
