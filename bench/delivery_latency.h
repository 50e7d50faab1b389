#pragma once

// `grpc_load --mode delivery`: the time from a transition's commit to its
// event's delivery to a Kafka consumer, under a steady stream of
// transition-causing Identify calls (target: p99 under 50 ms).

namespace tastesync::bench {

struct DeliveryLatencyOptions {
  int seconds = 10;    // the measured stream
  int rate = 200;      // Identify calls per second, spread over the callers
  int customers = 64;  // each alternates between two tables
  int warmup_seconds = 1;
};

// Starts an embedded Kafka (cmd/devkafka) and a server of its own relaying to
// it, runs the stream, consumes the events and prints the latency
// distribution. Returns 0, or 1 when events were lost or calls failed.
int run_delivery_latency(const DeliveryLatencyOptions& options);

}  // namespace tastesync::bench
