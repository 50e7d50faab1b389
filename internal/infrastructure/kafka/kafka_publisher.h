#pragma once

// Produces outbox rows to Kafka with librdkafka: idempotent producer,
// acks=all, keyed by store so each store's events keep their order: every
// event of a store lands on the partition its key hashes to (CRC32,
// librdkafka's consistent partitioner), and the idempotent producer keeps
// the order of what it produces to one partition, retries included.
// Consumers may rely on: a store's events in the order the ledger committed
// them, within one partition, as long as the topic's partition count stays;
// duplicates (at least once), recognisable by the event-id header. Nothing
// orders events of different stores. A row counts as delivered only when its
// delivery report says so.

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "domain/error.h"

namespace tastesync::infrastructure::kafka {

struct OutboundEvent {
  std::string event_id;
  std::string store_id;    // the message key
  std::string event_type;  // header
  std::string payload;     // a serialized CustomerEvent
};

// An event Kafka acknowledged, and when its delivery report arrived.
struct DeliveredEvent {
  std::string event_id;
  std::chrono::steady_clock::time_point at;
};

struct KafkaPublisherOptions {
  std::string brokers;  // host:port,...
  std::string topic = "tastesync.customer-id.events.v1";
  // How long librdkafka keeps retrying one message before reporting it failed;
  // the relay retries failed rows on its next pass.
  std::chrono::milliseconds message_timeout{10000};
};

class KafkaPublisher {
 public:
  static domain::Result<std::unique_ptr<KafkaPublisher>> create(const KafkaPublisherOptions& options);
  ~KafkaPublisher();
  KafkaPublisher(const KafkaPublisher&) = delete;
  KafkaPublisher& operator=(const KafkaPublisher&) = delete;

  // Produces the batch and waits (at most `wait`) for every delivery report.
  // Returns the events Kafka acknowledged, with when; the others were not
  // delivered (yet) and must be retried.
  std::vector<DeliveredEvent> deliver(const std::vector<OutboundEvent>& batch, std::chrono::milliseconds wait);

  // When Kafka last acknowledged something (or the publisher started).
  std::chrono::steady_clock::time_point last_success() const;

 private:
  explicit KafkaPublisher(KafkaPublisherOptions options);

  KafkaPublisherOptions options_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<std::chrono::steady_clock::rep> last_success_;
};

}  // namespace tastesync::infrastructure::kafka
