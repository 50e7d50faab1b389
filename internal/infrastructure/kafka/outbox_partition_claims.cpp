#include "infrastructure/kafka/outbox_partition_claims.h"

#include <algorithm>

namespace tastesync::infrastructure::kafka {
namespace {

// Lock spaces (the first key of two-key advisory locks) shared by every
// instance: "cidm" for the member lock, "cido" for a partition's lock, whose
// second key is hashtext of the partition's name.
constexpr int kMemberSpace = 0x6369646d;
constexpr int kPartitionSpace = 0x6369646f;

}  // namespace

OutboxPartitionClaims::OutboxPartitionClaims(pqxx::connection& session) : session_(session) {
  pqxx::nontransaction work(session_);
  // The server notices a relay host that vanished without closing its
  // connection within about 25 s (10 s idle, then 3 probes 5 s apart) and
  // ends the session, freeing its partitions, instead of after the
  // operating system's default of over two hours.
  work.exec("SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3");
  // Shared: every relay holds it at once, and pg_locks counts them.
  work.exec_params("SELECT pg_advisory_lock_shared($1, 0)", kMemberSpace);
  const pqxx::result children = work.exec(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
      "WHERE i.inhparent = 'outbox'::regclass ORDER BY c.relname");
  for (const auto& row : children) partitions_.push_back(row[0].as<std::string>());
  if (partitions_.empty()) partitions_.emplace_back("outbox");
}

bool OutboxPartitionClaims::balance() {
  {
    pqxx::nontransaction work(session_);
    relays_ = work.exec_params1(
                      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1::oid "
                      "AND objid = 0 AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = "
                      "current_database())",
                      static_cast<long long>(kMemberSpace))[0]
                  .as<int>();
  }
  relays_ = std::max(relays_, 1);
  const std::size_t share = (partitions_.size() + static_cast<std::size_t>(relays_) - 1) / relays_;
  bool changed = false;
  // Beyond the share: give back the last ones, so relays converge on
  // disjoint runs of partitions instead of trading the same ones.
  while (owned_.size() > share) {
    release(owned_.back());
    owned_.pop_back();
    changed = true;
  }
  for (const std::string& partition : partitions_) {
    if (owned_.size() >= share) break;
    if (std::find(owned_.begin(), owned_.end(), partition) != owned_.end()) continue;
    if (claim(partition)) {
      owned_.push_back(partition);
      changed = true;
    }
  }
  std::sort(owned_.begin(), owned_.end());
  return changed;
}

bool OutboxPartitionClaims::claim(const std::string& partition) {
  pqxx::nontransaction work(session_);
  return work.exec_params1("SELECT pg_try_advisory_lock($1, hashtext($2))", kPartitionSpace, partition)[0].as<bool>();
}

void OutboxPartitionClaims::release(const std::string& partition) {
  pqxx::nontransaction work(session_);
  work.exec_params("SELECT pg_advisory_unlock($1, hashtext($2))", kPartitionSpace, partition);
}

}  // namespace tastesync::infrastructure::kafka
