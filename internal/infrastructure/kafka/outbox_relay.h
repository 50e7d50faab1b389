#pragma once

// Publishes the transactional outbox to Kafka. Every instance runs a relay;
// each owns a share of the outbox's partitions (a partition is a set of
// stores, migrations/0011) by PostgreSQL advisory locks held on a session of
// its own (OutboxPartitionClaims), so each store's events have one producer
// at a time and go out in order; a dead relay's partitions are taken by the
// others. A row is stamped sent only after Kafka acknowledged it, with the
// time the acknowledgement arrived: delivery is at least once (a relay that
// dies between Kafka's acknowledgement and the stamp, or hands a partition
// over with messages still in flight, has them sent again, after the ones
// before them), and consumers de-duplicate by event_id (the event-id header
// and the payload's id). The relay reads and stamps on its own session, in
// statements of their own outside any transaction, so a slow or absent Kafka
// never holds a connection of the request pool or a transaction open.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <string>

#include "infrastructure/db/pg_pool.h"
#include "infrastructure/kafka/kafka_publisher.h"
#include "infrastructure/kafka/outbox_partition_claims.h"

namespace tastesync::infrastructure::kafka {

struct OutboxRelayOptions {
  // Rows read per owned partition and pass.
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
  // How often the relay counts the live relays and claims or gives back
  // partitions: a dead relay's stores wait at most about this long.
  std::chrono::milliseconds balance_interval{1000};
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

  // Whether this relay owns at least one outbox partition.
  bool is_leader() const { return leader_.load(); }
  // The outbox partitions this relay owns now (table names, sorted).
  std::vector<std::string> owned_partitions() const;
  std::uint64_t published() const { return published_.load(); }
  domain::Result<OutboxBacklog> backlog();

 private:
  void run();
  // Keeps the session and this relay's share of partitions; false without
  // a session.
  bool hold_partitions();
  // Publishes one batch from each owned partition; true when a partition
  // may hold more unsent rows (relay again at once).
  domain::Result<bool> relay_once();
  // Sets sent_at of the delivered rows to their delivery time; throws.
  // `partition_by_id`: the index in claims_->owned() each event was read from.
  void stamp_sent(const std::vector<DeliveredEvent>& delivered,
                  const std::map<std::string, std::size_t>& partition_by_id);
  // Deletes delivered rows older than keep_delivered; how many.
  domain::Result<std::size_t> forget_delivered();
  // Logs an outage of Kafka once when it starts and once when it ends.
  void note_kafka(bool delivering, std::size_t waiting);

  db::PgPool& pool_;
  KafkaPublisher& publisher_;
  OutboxRelayOptions options_;
  // Drops the session (and with it every lock this relay held).
  void drop_session();

  std::unique_ptr<pqxx::connection> lock_session_;
  std::unique_ptr<OutboxPartitionClaims> claims_;  // on lock_session_; relay thread only
  std::chrono::steady_clock::time_point next_balance_{};
  mutable std::mutex owned_mutex_;
  std::vector<std::string> owned_;  // a copy of claims_->owned() for other threads
  // Statements prepared on lock_session_ (relay thread only).
  std::string read_statement_;
  std::vector<std::string> read_prepared_for_;  // the owned partitions it reads
  std::set<std::string> stamps_prepared_;
  std::uint64_t statements_prepared_ = 0;
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
