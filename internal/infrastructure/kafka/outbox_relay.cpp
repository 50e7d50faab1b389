#include "infrastructure/kafka/outbox_relay.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <string>

#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::kafka {
namespace {

// Any constant shared by every instance; names the relay's advisory lock.
constexpr std::int64_t kRelayLockId = 0x7461737465001;

}  // namespace

OutboxRelay::OutboxRelay(db::PgPool& pool, KafkaPublisher& publisher, OutboxRelayOptions options)
    : pool_(pool), publisher_(publisher), options_(options) {}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void OutboxRelay::stop() {
  {
    std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxRelay::wake() {
  {
    std::scoped_lock lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

bool OutboxRelay::hold_leadership() {
  try {
    if (lock_session_ && lock_session_->is_open()) {
      // Still ours: the lock lives as long as the session does.
      pqxx::nontransaction check(*lock_session_);
      check.exec("SELECT 1");
      return true;
    }
    leader_ = false;
    auto session = db::connect(pool_.connection_string());
    if (!session) return false;
    pqxx::nontransaction attempt(**session);
    const bool acquired = attempt.exec_params1("SELECT pg_try_advisory_lock($1)", kRelayLockId)[0].as<bool>();
    attempt.commit();
    if (!acquired) return false;
    lock_session_ = std::move(*session);
    leader_ = true;
    log::info("outbox.relay.leader");
    return true;
  } catch (const std::exception& e) {
    if (leader_) log::warn("outbox.relay.lost_leadership", {{"reason", e.what()}});
    lock_session_.reset();
    leader_ = false;
    return false;
  }
}

domain::Result<std::size_t> OutboxRelay::relay_once() {
  // Everything on the relay's own session (the one holding the lock), in
  // statements of their own: no transaction stays open and no connection of
  // the request pool is taken while Kafka is slow or away.
  std::vector<OutboundEvent> batch;
  try {
    pqxx::nontransaction read(*lock_session_);
    const pqxx::result rows = read.exec_params(
        "SELECT event_id::text, store_id, event_type, payload FROM outbox WHERE sent_at IS NULL "
        "ORDER BY seq LIMIT $1",
        static_cast<std::int64_t>(options_.batch_size));
    batch.reserve(rows.size());
    for (const auto& row : rows) {
      const pqxx::binarystring payload(row[3]);
      batch.push_back(
          OutboundEvent{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(), payload.str()});
    }
  } catch (const std::exception& e) {
    lock_session_.reset();  // leadership is taken again on the next pass
    return domain::fail(domain::ErrorCode::kUnavailable, std::string("outbox read: ") + e.what());
  }
  if (batch.empty()) return std::size_t{0};

  const std::vector<DeliveredEvent> delivered = publisher_.deliver(batch, options_.delivery_wait);
  note_kafka(!delivered.empty(), batch.size());
  if (delivered.empty()) return std::size_t{0};
  try {
    stamp_sent(delivered);
  } catch (const std::exception& e) {
    // Delivered but not stamped: sent again later (at least once).
    lock_session_.reset();
    return domain::fail(domain::ErrorCode::kUnavailable, std::string("outbox stamp: ") + e.what());
  }
  published_ += delivered.size();
  return delivered.size();
}

void OutboxRelay::stamp_sent(const std::vector<DeliveredEvent>& delivered) {
  // sent_at is when each delivery report arrived, on PostgreSQL's clock (the
  // one created_at uses, whatever this host's clock says): the statement's
  // clock_timestamp() less how long ago, by this process's steady clock, the
  // report came. The age is taken before the statement is sent, so the
  // stamp is never earlier than the delivery, only later by the trip to the
  // database.
  const auto now = std::chrono::steady_clock::now();
  std::string ids = "{";
  std::string ages_us = "{";
  for (std::size_t i = 0; i < delivered.size(); ++i) {
    const auto age = std::chrono::duration_cast<std::chrono::microseconds>(now - delivered[i].at);
    ids += (i ? "," : "") + delivered[i].event_id;
    ages_us += (i ? "," : "") + std::to_string(std::max<std::int64_t>(0, age.count()));
  }
  ids += "}";
  ages_us += "}";
  pqxx::nontransaction stamp(*lock_session_);
  stamp.exec_params(
      "UPDATE outbox AS o SET sent_at = clock_timestamp() - d.age_us * interval '1 microsecond' "
      "FROM unnest($1::uuid[], $2::bigint[]) AS d(event_id, age_us) WHERE o.event_id = d.event_id",
      ids, ages_us);
}

void OutboxRelay::note_kafka(bool delivering, std::size_t waiting) {
  const auto now = std::chrono::steady_clock::now();
  if (!delivering && !kafka_failing_) {
    kafka_failing_ = true;
    kafka_failing_since_ = now;
    log::warn("outbox.kafka_unreachable",
              {{"waiting_events", waiting}, {"reason", "no delivery report within kafka delivery wait"}});
  } else if (delivering && kafka_failing_) {
    kafka_failing_ = false;
    log::info("outbox.kafka_recovered",
              {{"after_s", std::chrono::duration<double>(now - kafka_failing_since_).count()}});
  }
}

domain::Result<OutboxBacklog> OutboxRelay::backlog() {
  return pool_.run([](pqxx::connection& connection) -> domain::Result<OutboxBacklog> {
    pqxx::nontransaction tx(connection);
    const pqxx::row row = tx.exec1(
        "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) FROM outbox WHERE sent_at IS NULL");
    return OutboxBacklog{row[0].as<std::int64_t>(), row[1].as<double>()};
  });
}

domain::Result<std::size_t> OutboxRelay::forget_delivered() {
  // Small batches, each its own statement: the relay's session never holds
  // many row locks or a long transaction, and relaying goes on between them.
  constexpr std::int64_t kBatch = 5000;
  std::size_t forgotten = 0;
  try {
    for (;;) {
      pqxx::nontransaction work(*lock_session_);
      const pqxx::result deleted = work.exec_params(
          "DELETE FROM outbox WHERE event_id IN (SELECT event_id FROM outbox WHERE sent_at IS NOT NULL AND "
          "sent_at < now() - make_interval(hours => $1) ORDER BY sent_at LIMIT $2)",
          static_cast<int>(options_.keep_delivered.count()), kBatch);
      forgotten += static_cast<std::size_t>(deleted.affected_rows());
      if (deleted.affected_rows() < kBatch) break;
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
  } catch (const std::exception& e) {
    lock_session_.reset();
    return domain::fail(domain::ErrorCode::kUnavailable, std::string("outbox forget: ") + e.what());
  }
  return forgotten;
}

void OutboxRelay::run() {
  auto next_report = std::chrono::steady_clock::now();
  auto next_forget = std::chrono::steady_clock::now();
  // Logged when relaying starts failing and when it recovers, not on every
  // 100 ms retry of an outage.
  bool failing = false;
  for (;;) {
    bool drained = true;
    if (hold_leadership()) {
      auto relayed = relay_once();
      if (!relayed) {
        if (!failing) log::warn("outbox.relay.failed", {{"reason", relayed.error().message}});
        failing = true;
      } else {
        if (failing) log::info("outbox.relay.recovered");
        failing = false;
        drained = *relayed < options_.batch_size;
      }
      if (options_.keep_delivered.count() > 0 && leader_.load() && std::chrono::steady_clock::now() >= next_forget) {
        next_forget = std::chrono::steady_clock::now() + options_.forget_interval;
        if (auto forgotten = forget_delivered(); !forgotten) {
          log::warn("outbox.forget_failed", {{"reason", forgotten.error().message}});
        } else if (*forgotten > 0) {
          log::info("outbox.forgotten", {{"rows", *forgotten}, {"older_than_hours", options_.keep_delivered.count()}});
        }
      }
    }
    if (std::chrono::steady_clock::now() >= next_report) {
      next_report = std::chrono::steady_clock::now() + options_.backlog_report_interval;
      if (auto pending = backlog(); pending && pending->rows > 0) {
        log::info("outbox.backlog",
                  {{"rows", pending->rows}, {"oldest_age_s", pending->oldest_age_seconds}, {"leader", leader_.load()}});
      }
    }
    std::unique_lock lock(mutex_);
    if (stopping_) break;
    if (drained) wake_.wait_for(lock, options_.poll_interval, [this] { return woken_ || stopping_; });
    woken_ = false;
    if (stopping_) break;
  }
  lock_session_.reset();
  leader_ = false;
}

}  // namespace tastesync::infrastructure::kafka
