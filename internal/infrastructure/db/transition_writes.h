#pragma once

// A transition's writes to the ledger as one SQL statement: each write is a
// data-modifying WITH clause, so closing or opening a visit, moving within
// it, its zone_transitions row and every outbox row cost one round trip
// instead of one each (docs/performance.md, "The transition path"). The
// clauses of one statement run in no set order and see the same snapshot, so
// a write that depends on another reads that one's RETURNING (the leave row
// reads the closed visit), and a visit closed and another opened at the same
// store go in two statements (the partial unique index on open visits would
// otherwise see both).

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "domain/entities/presence.h"
#include "domain/events/events.h"

namespace tastesync::infrastructure::db {

class TransitionWrites {
 public:
  // Ends the open visit `visit_id` at `ended` (without one: at its
  // last_seen) and records the leave as a transition to no zone.
  void close_visit(const std::string& visit_id, const std::string& store_id, std::optional<domain::Timestamp> ended);
  // Opens the customer's visit `after`; run() then says whether it was
  // opened (another writer may have opened one first).
  void open_visit(const std::string& customer_id, const domain::Presence& after);
  // Moves the open visit to `after`'s zone.
  void move_within_visit(const domain::Presence& after);
  // The transition row into `after`'s zone (from `from_zone`, none: the
  // visit's first zone); inserted only if the visit exists or opens here.
  void transition(const std::string& customer_id, const domain::Presence& after,
                  const std::optional<std::string>& from_zone);
  void outbox(const std::string& customer_id, const std::vector<domain::DomainEvent>& events);

  // Runs the statement. false when open_visit() was asked and no visit was
  // opened (an open visit of the customer at that store exists).
  bool run(pqxx::work& tx) const;

 private:
  // A placeholder ($n) bound to `value`; nullopt binds NULL.
  std::string bind(std::optional<std::string> value);
  std::string bind_time(domain::Timestamp at);

  std::deque<std::string> values_;  // a deque: pointers into it stay valid
  std::vector<const char*> parameters_;
  std::vector<std::string> clauses_;
  bool opens_ = false;
};

}  // namespace tastesync::infrastructure::db
