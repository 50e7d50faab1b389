#pragma once

// The embedded Kafka (cmd/devkafka: librdkafka's mock cluster, the real Kafka
// protocol) with the events topic created, on a free loopback port, stopped by
// its PID. SIGUSR1 takes its brokers down, SIGUSR2 brings them back.

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace tastesync::local_stack {

inline constexpr const char* kEventsTopic = "tastesync.customer-id.events.v1";
// As `make run` creates it: several partitions, so callers see stores' events
// spread over them, each store's on one.
inline constexpr int kEventsTopicPartitions = 6;

struct DevKafka {
  pid_t pid = -1;
  std::string bootstrap;  // 127.0.0.1:PORT
};

// Started in `dir` (created; its log and bootstrap file go there). Throws
// std::runtime_error when it does not publish its address within 5 s.
DevKafka start_devkafka(const std::filesystem::path& dir, int partitions = kEventsTopicPartitions);
// Does nothing when it is not running; leaves kafka.pid at -1.
void stop_devkafka(DevKafka& kafka);

}  // namespace tastesync::local_stack
