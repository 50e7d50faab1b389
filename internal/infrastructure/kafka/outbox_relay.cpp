#include "infrastructure/kafka/outbox_relay.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <string>

#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::kafka {
namespace {

// "{a,b}" for a text/uuid/bigint array parameter.
std::string array_literal(const std::vector<std::string>& items) {
  std::string text = "{";
  for (std::size_t i = 0; i < items.size(); ++i) text += (i ? "," : "") + items[i];
  return text + "}";
}

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

std::vector<std::string> OutboxRelay::owned_partitions() const {
  std::scoped_lock lock(owned_mutex_);
  return owned_;
}

void OutboxRelay::drop_session() {
  // Prepared statements live and die with the session.
  read_statement_.clear();
  read_prepared_for_.clear();
  stamps_prepared_.clear();
  claims_.reset();
  lock_session_.reset();  // closing the session releases its advisory locks
  {
    std::scoped_lock lock(owned_mutex_);
    owned_.clear();
  }
  leader_ = false;
}

bool OutboxRelay::hold_partitions() {
  try {
    if (!lock_session_ || !lock_session_->is_open()) {
      if (leader_) log::warn("outbox.relay.lost_partitions", {{"reason", "session closed"}});
      drop_session();
      auto session = db::connect(pool_.connection_string());
      if (!session) return false;
      lock_session_ = std::move(*session);
      claims_ = std::make_unique<OutboxPartitionClaims>(*lock_session_);
      next_balance_ = {};
    }
    if (std::chrono::steady_clock::now() < next_balance_) return true;
    next_balance_ = std::chrono::steady_clock::now() + options_.balance_interval;
    // Also the liveness check of the session: a dead one throws here.
    if (claims_->balance()) {
      {
        std::scoped_lock lock(owned_mutex_);
        owned_ = claims_->owned();
      }
      leader_ = !claims_->owned().empty();
      log::info("outbox.relay.partitions",
                {{"owned", claims_->owned().size()}, {"of", claims_->partitions()}, {"relays", claims_->relays()}});
    }
    return true;
  } catch (const std::exception& e) {
    if (leader_) log::warn("outbox.relay.lost_partitions", {{"reason", e.what()}});
    drop_session();
    return false;
  }
}

domain::Result<bool> OutboxRelay::relay_once() {
  // Everything on the relay's own session (the one holding the lock), in
  // statements of their own: no transaction stays open and no connection of
  // the request pool is taken while Kafka is slow or away.
  //
  // One statement reads every owned partition, each in insertion order: a
  // store lives in one partition, so its events are produced in order.
  const std::vector<std::string>& owned = claims_->owned();
  if (owned.empty()) return false;
  std::vector<OutboundEvent> batch;
  std::vector<std::size_t> partition_of;  // index into `owned`, per event
  std::size_t fullest = 0;
  try {
    // Prepared once per set of owned partitions: planning sixteen branches
    // on every pass costs more than running them (the delivery bench saw it).
    if (owned != read_prepared_for_) {
      if (!read_statement_.empty()) lock_session_->unprepare(read_statement_);
      read_statement_.clear();
      std::string sql;
      for (std::size_t i = 0; i < owned.size(); ++i) {
        sql += std::string(i ? " UNION ALL " : "") + "(SELECT event_id::text, store_id, event_type, payload, " +
               std::to_string(i) + " FROM " + lock_session_->quote_name(owned[i]) +
               " WHERE sent_at IS NULL ORDER BY seq LIMIT $1)";
      }
      const std::string name = "outbox_relay_read_" + std::to_string(++statements_prepared_);
      lock_session_->prepare(name, sql);
      read_statement_ = name;
      read_prepared_for_ = owned;
    }
    pqxx::nontransaction read(*lock_session_);
    const pqxx::result rows = read.exec_prepared(read_statement_, static_cast<std::int64_t>(options_.batch_size));
    batch.reserve(rows.size());
    std::vector<std::size_t> per_partition(owned.size(), 0);
    for (const auto& row : rows) {
      const pqxx::binarystring payload(row[3]);
      batch.push_back(
          OutboundEvent{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(), payload.str()});
      partition_of.push_back(static_cast<std::size_t>(row[4].as<int>()));
      fullest = std::max(fullest, ++per_partition[partition_of.back()]);
    }
  } catch (const std::exception& e) {
    drop_session();  // partitions are claimed again on the next pass
    return domain::fail(domain::ErrorCode::kUnavailable, std::string("outbox read: ") + e.what());
  }
  if (batch.empty()) return false;

  const std::vector<DeliveredEvent> delivered = publisher_.deliver(batch, options_.delivery_wait);
  note_kafka(!delivered.empty(), batch.size());
  if (delivered.empty()) return false;
  try {
    std::map<std::string, std::size_t> partition_by_id;
    for (std::size_t i = 0; i < batch.size(); ++i) partition_by_id.emplace(batch[i].event_id, partition_of[i]);
    stamp_sent(delivered, partition_by_id);
  } catch (const std::exception& e) {
    // Delivered but not stamped: sent again later (at least once).
    drop_session();
    return domain::fail(domain::ErrorCode::kUnavailable, std::string("outbox stamp: ") + e.what());
  }
  published_ += delivered.size();
  // A partition that filled its batch may have more waiting.
  return fullest >= options_.batch_size;
}

void OutboxRelay::stamp_sent(const std::vector<DeliveredEvent>& delivered,
                             const std::map<std::string, std::size_t>& partition_by_id) {
  // sent_at is when each delivery report arrived, on PostgreSQL's clock (the
  // one created_at uses, whatever this host's clock says): the statement's
  // clock_timestamp() less how long ago, by this process's steady clock, the
  // report came. The age is taken before the statement is sent, so the
  // stamp is never earlier than the delivery, only later by the trip to the
  // database.
  //
  // One prepared UPDATE per partition concerned (usually one a pass): naming
  // the partition, it finds its rows by the partition's primary key index
  // and plans nothing.
  const auto now = std::chrono::steady_clock::now();
  std::map<std::size_t, std::pair<std::vector<std::string>, std::vector<std::string>>> by_partition;
  for (const DeliveredEvent& event : delivered) {
    const auto age = std::chrono::duration_cast<std::chrono::microseconds>(now - event.at);
    auto& [ids, ages_us] = by_partition[partition_by_id.at(event.event_id)];
    ids.push_back(event.event_id);
    ages_us.push_back(std::to_string(std::max<std::int64_t>(0, age.count())));
  }
  for (const auto& [partition, rows] : by_partition) {
    const std::string& table = claims_->owned()[partition];
    const std::string name = "outbox_relay_stamp_" + table;
    if (stamps_prepared_.insert(name).second) {
      lock_session_->prepare(name, "UPDATE " + lock_session_->quote_name(table) +
                                       " AS o SET sent_at = clock_timestamp() - d.age_us * interval '1 microsecond' "
                                       "FROM unnest($1::uuid[], $2::bigint[]) AS d(event_id, age_us) "
                                       "WHERE o.event_id = d.event_id");
    }
    pqxx::nontransaction stamp(*lock_session_);
    stamp.exec_prepared(name, array_literal(rows.first), array_literal(rows.second));
  }
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
  // Each relay forgets in the partitions it owns.
  constexpr std::int64_t kBatch = 5000;
  std::size_t forgotten = 0;
  try {
    for (const std::string& partition : claims_->owned()) {
      const std::string table = lock_session_->quote_name(partition);
      std::string sql = "DELETE FROM " + table;
      sql += " WHERE event_id IN (SELECT event_id FROM " + table;
      sql += " WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(hours => $1) ORDER BY sent_at LIMIT $2)";
      for (;;) {
        pqxx::nontransaction work(*lock_session_);
        const pqxx::result deleted = work.exec_params(sql, static_cast<int>(options_.keep_delivered.count()), kBatch);
        forgotten += static_cast<std::size_t>(deleted.affected_rows());
        if (deleted.affected_rows() < kBatch) break;
        std::lock_guard lock(mutex_);
        if (stopping_) return forgotten;
      }
    }
  } catch (const std::exception& e) {
    drop_session();
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
    if (hold_partitions()) {
      auto relayed = relay_once();
      if (!relayed) {
        if (!failing) log::warn("outbox.relay.failed", {{"reason", relayed.error().message}});
        failing = true;
      } else {
        if (failing) log::info("outbox.relay.recovered");
        failing = false;
        drained = !*relayed;
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
  drop_session();
}

}  // namespace tastesync::infrastructure::kafka
