#pragma once

// The integration suite's servers: one PostgreSQL, Redis and embedded Kafka
// shared by every test of a binary (a local_stack::LocalStack started on first
// use, stopped by PID when the binary exits), and the launcher's functions for
// tests that need servers of their own (outages).

#include <string>

#include "local_stack/data_servers.h"
#include "local_stack/dev_kafka.h"
#include "local_stack/project_files.h"

namespace tastesync::testing {

// postgresql://postgres@127.0.0.1:PORT/customer_id
const std::string& postgres_url();
// redis://127.0.0.1:PORT
const std::string& redis_url();
// 127.0.0.1:PORT of the shared embedded Kafka, with the events topic
// (kEventsTopicPartitions partitions) created.
const std::string& kafka_bootstrap();

// Servers of a test's own, in a directory it makes with make_server_dir and
// removes: stop and start again on the same directory for an outage (the same
// port comes back). See local_stack/data_servers.h and dev_kafka.h.
using local_stack::DevKafka;
using local_stack::kEventsTopic;
using local_stack::kEventsTopicPartitions;
using local_stack::make_server_dir;
using local_stack::start_devkafka;
using local_stack::start_postgres;
using local_stack::start_redis;
using local_stack::start_redis_cluster;
using local_stack::stop_devkafka;
using local_stack::stop_postgres;
using local_stack::stop_redis;
using local_stack::stop_redis_cluster;

// Runs a query with psql, the way an operator would, and returns its output
// (rows on lines, columns separated by '|').
std::string psql(const std::string& url, const std::string& sql);

// An id no other test (or earlier run) uses: prefix-pid-steady_clock-counter.
std::string unique_customer(const std::string& prefix);

}  // namespace tastesync::testing
