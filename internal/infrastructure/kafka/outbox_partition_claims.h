#pragma once

// Which outbox partitions this relay publishes. The outbox is partitioned by
// hash of store (migrations/0011), so a partition is a fixed set of stores
// and the relay owning it is the only producer of those stores' events: each
// store's events leave in order. Ownership is a PostgreSQL session advisory
// lock per partition, held on the relay's own session: a relay that dies
// (process killed, connection closed, server restarted) loses its locks with
// its session, and the others take its partitions at their next balance.
//
// Spreading: every relay also holds a shared "member" lock, so each can count
// the live relays in pg_locks and keeps its fair share, ceil(partitions /
// relays): it releases partitions beyond the share (between passes, so no
// batch of theirs is in flight) and claims free ones up to it. An outbox that
// is not partitioned (before migration 0011) is one partition: the table.
//
// All calls run on the caller's thread (the relay's) and throw pqxx errors;
// the relay then drops the session, which releases every lock at once.

#include <pqxx/pqxx>

#include <string>
#include <vector>

namespace tastesync::infrastructure::kafka {

class OutboxPartitionClaims {
 public:
  // Joins the relays on `session`: takes the member lock and lists the
  // outbox's partitions. Owns nothing yet.
  explicit OutboxPartitionClaims(pqxx::connection& session);

  // Claims or releases partitions so this relay owns its fair share; returns
  // whether what it owns changed.
  bool balance();

  // The partitions this relay owns, as table names (not quoted), sorted.
  const std::vector<std::string>& owned() const { return owned_; }
  // How many relays held the member lock at the last balance (this one too).
  int relays() const { return relays_; }
  std::size_t partitions() const { return partitions_.size(); }

 private:
  bool claim(const std::string& partition);
  void release(const std::string& partition);

  pqxx::connection& session_;
  std::vector<std::string> partitions_;  // every partition, sorted
  std::vector<std::string> owned_;
  int relays_ = 1;
};

}  // namespace tastesync::infrastructure::kafka
