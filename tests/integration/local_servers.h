#pragma once

// Real PostgreSQL and Redis servers for the integration tests, started once
// per test binary by the project's own scripts (scripts/postgres.sh,
// scripts/redis.sh) in a temporary directory on free loopback ports, and
// stopped by PID when the binary exits.

#include <filesystem>
#include <string>

#include <sys/types.h>

namespace tastesync::testing {

// postgresql://postgres@127.0.0.1:PORT/customer_id
const std::string& postgres_url();
// redis://127.0.0.1:PORT
const std::string& redis_url();
// 127.0.0.1:PORT of the embedded Kafka (cmd/devkafka, librdkafka's mock
// cluster) with the events topic (kEventsTopicPartitions partitions) created.
const std::string& kafka_bootstrap();
inline constexpr const char* kEventsTopic = "tastesync.customer-id.events.v1";
// As `make run` creates it: several partitions, so tests see stores' events
// spread over them, each store's on one.
inline constexpr int kEventsTopicPartitions = 6;

// An embedded Kafka of its own (for outage tests). SIGUSR1 takes its brokers
// down, SIGUSR2 brings them back.
struct DevKafka {
  pid_t pid = -1;
  std::string bootstrap;
};
DevKafka start_devkafka(const std::filesystem::path& dir);
void stop_devkafka(DevKafka& kafka);

// A server of its own (for outage tests): started in `dir`, which the caller
// owns; stop and start it with the functions below.
std::string start_postgres(const std::filesystem::path& dir);
void stop_postgres(const std::filesystem::path& dir);
std::string start_redis(const std::filesystem::path& dir);
void stop_redis(const std::filesystem::path& dir);

// A Redis Cluster of its own: 3 masters + 3 replicas (scripts/redis_cluster.sh)
// on six free consecutive loopback ports; returns the seed list
// (127.0.0.1:p1,...,127.0.0.1:p6). Node p's PID is in dir/<p>/redis.pid.
std::string start_redis_cluster(const std::filesystem::path& dir);
void stop_redis_cluster(const std::filesystem::path& dir);

// Runs a query with psql, the way an operator would, and returns its output
// (rows on lines, columns separated by '|').
std::string psql(const std::string& url, const std::string& sql);

// An id no other test (or earlier run) uses: prefix-pid-steady_clock-counter.
std::string unique_customer(const std::string& prefix);

// A fresh directory under the temp dir that the unprivileged postgres user
// can traverse; removed by the caller.
std::filesystem::path make_server_dir(const std::string& name);

}  // namespace tastesync::testing
