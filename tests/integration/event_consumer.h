#pragma once

// A real Kafka consumer (librdkafka) for the integration tests: reads the
// events topic the way the recommendation and notification services would,
// and decodes each value with the product's own codec. It reads every
// partition from the beginning (assign(), no group rebalance), so events
// published before it was created are seen too; tests pick theirs out by
// customer id, because the shared embedded Kafka carries every test's events.

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/events/events.h"
#include "local_stack/dev_kafka.h"

namespace tastesync::testing {

struct ConsumedEvent {
  domain::DomainEvent event;
  std::string key;
  std::map<std::string, std::string> headers;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  // This machine's wall clock when the consumer got the message.
  std::chrono::system_clock::time_point received_at;
  // The message's Kafka timestamp (milliseconds): when the producer produced
  // it (CreateTime) or the broker stored it (LogAppendTime); unset if none.
  std::optional<std::chrono::system_clock::time_point> kafka_timestamp;
};

class EventConsumer {
 public:
  // Throws std::runtime_error when librdkafka refuses the configuration.
  explicit EventConsumer(const std::string& bootstrap, const std::string& topic = local_stack::kEventsTopic,
                         int partitions = local_stack::kEventsTopicPartitions);
  ~EventConsumer();
  EventConsumer(const EventConsumer&) = delete;
  EventConsumer& operator=(const EventConsumer&) = delete;

  // Consumes until `customer` has at least `count` events (duplicates
  // included) or `timeout` passes; returns that customer's events in arrival
  // order (which is offset order within a partition).
  std::vector<ConsumedEvent> collect(const std::string& customer, std::size_t count, std::chrono::milliseconds timeout);
  // Consumes until `done()` holds or `timeout` passes; returns done().
  bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  // Keeps consuming for `duration` (to catch late duplicates).
  void poll_for(std::chrono::milliseconds duration);

  std::vector<ConsumedEvent> events_for(const std::string& customer) const;
  // How many times each event id was received.
  std::map<std::string, int> id_counts() const;
  const std::vector<ConsumedEvent>& all() const { return events_; }
  // Messages on the topic that decode_event rejected.
  std::size_t undecodable() const { return undecodable_; }
  // The last consumer error (broker down, ...), for failure messages.
  const std::string& last_error() const { return last_error_; }

 private:
  void poll_once(std::chrono::milliseconds wait);

  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::vector<ConsumedEvent> events_;
  std::size_t undecodable_ = 0;
  std::string last_error_;
};

// "CustomerSeated(table-1) id=... p0@12" lines, for failure messages.
std::string describe(const std::vector<ConsumedEvent>& events);

}  // namespace tastesync::testing
