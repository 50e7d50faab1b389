#pragma once

// Publishes the transactional outbox to Kafka. One instance at a time relays
// (a PostgreSQL advisory lock held on a session of its own), so rows go out
// once and in order; the others stand by and take over when it dies. A row
// is stamped sent only after Kafka acknowledged it, with the time the
// acknowledgement arrived: delivery is at least once, consumers de-duplicate
// by event_id. The relay reads and stamps on its own session, in statements
// of their own outside any transaction, so a slow or absent Kafka never
// holds a connection of the request pool or a transaction open.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "infrastructure/db/pg_pool.h"
#include "infrastructure/kafka/kafka_publisher.h"

namespace tastesync::infrastructure::kafka {

struct OutboxRelayOptions {
  std::size_t batch_size = 500;
  // Without a local wake-up (another instance committed), rows are found by
  // polling this often.
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds delivery_wait{5000};
  std::chrono::seconds backlog_report_interval{30};
  // Delivered rows older than this are deleted (zero: kept for ever), by
  // the relaying instance, once per `forget_interval`, in batches.
  std::chrono::hours keep_delivered{72};
  std::chrono::seconds forget_interval{60};
};

struct OutboxBacklog {
  std::int64_t rows = 0;
  double oldest_age_seconds = 0.0;
};

class OutboxRelay {
 public:
  OutboxRelay(db::PgPool& pool, KafkaPublisher& publisher, OutboxRelayOptions options = {});
  ~OutboxRelay();  // stops the thread
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  void start();
  void stop();
  // A transition was committed here: relay now rather than at the next poll.
  void wake();

  bool is_leader() const { return leader_.load(); }
  std::uint64_t published() const { return published_.load(); }
  domain::Result<OutboxBacklog> backlog();

 private:
  void run();
  bool hold_leadership();
  domain::Result<std::size_t> relay_once();
  // Sets sent_at of the delivered rows to their delivery time; throws.
  void stamp_sent(const std::vector<DeliveredEvent>& delivered);
  // Deletes delivered rows older than keep_delivered; how many.
  domain::Result<std::size_t> forget_delivered();
  // Logs an outage of Kafka once when it starts and once when it ends.
  void note_kafka(bool delivering, std::size_t waiting);

  db::PgPool& pool_;
  KafkaPublisher& publisher_;
  OutboxRelayOptions options_;
  std::unique_ptr<pqxx::connection> lock_session_;
  std::atomic<bool> leader_{false};
  std::atomic<std::uint64_t> published_{0};
  bool kafka_failing_ = false;  // relay thread only
  std::chrono::steady_clock::time_point kafka_failing_since_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tastesync::infrastructure::kafka
