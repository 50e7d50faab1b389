#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "application/ports/idempotency_store_port.h"
#include "domain/entities/presence.h"
#include "domain/entities/visit.h"
#include "domain/error.h"
#include "domain/events/events.h"

namespace tastesync::application {

// The answer of a request that recorded a transition, kept in the same
// transaction, so a retry reaching any instance after any loss of the cache
// gets it again and writes nothing.
struct LedgerAnswer {
  std::string idempotency_key;
  RememberedReply reply;
  // The transaction commits only before this (the caller's deadline, less
  // the time the answer needs to reach it); kUnavailable after, nothing kept.
  std::optional<domain::Timestamp> commit_by;
};

// What the ledger knows of a customer for one request, in one read.
struct LedgerView {
  std::optional<domain::Presence> presence;  // the open visit, if any
  // The answers of the customer's requests that recorded a transition since
  // the time asked for, oldest first: the cache may have lost them, and a
  // record is confirmed again only once they are back in it.
  std::vector<LedgerAnswer> answers;
};

// An open visit whose ledger `last_seen` is old: a candidate for leaving.
struct IdleVisit {
  std::string customer_id;
  std::string visit_id;
  domain::Timestamp last_seen{};
};

// The durable history of visits and zone transitions, and the arbiter of
// who is where: several service instances may see the same customer at
// once, and only the one whose `before` still matches records a transition.
class VisitLedgerPort {
 public:
  virtual ~VisitLedgerPort() = default;

  // Atomically: if the customer's open visit is still `before` (same visit id
  // and zone, and not seen after `before->last_seen`: a touch() since means
  // the decision was taken on stale facts; nullopt = no open visit), store
  // `after` and the events (and,
  // with PostgreSQL, one outbox row per event), and `answer` when given, in
  // one transaction.
  // kAborted when another instance moved first (nothing written: re-read
  // and retry); kAlreadyExists when `answer`'s key already has an answer
  // (another instance recorded this very request; nothing written);
  // kUnavailable when the store is down.
  virtual domain::Result<void> record(const std::string& customer_id, const std::optional<domain::Presence>& before,
                                      const std::optional<domain::Presence>& after,
                                      const std::vector<domain::DomainEvent>& events,
                                      const std::optional<LedgerAnswer>& answer) = 0;

  // The customer's open visit and zone, as last recorded.
  virtual domain::Result<std::optional<domain::Presence>> current(const std::string& customer_id) const = 0;

  // current() and the answers kept since `answers_since`, in one round trip.
  virtual domain::Result<LedgerView> recall(const std::string& customer_id, domain::Timestamp answers_since) const = 0;

  // Open visits whose recorded last_seen is at or before `cutoff`, oldest
  // first, at most `limit`. The ledger's last_seen moves with transitions
  // and touch(), not with every sighting.
  virtual domain::Result<std::vector<IdleVisit>> idle_visits(domain::Timestamp cutoff, std::size_t limit) const = 0;

  // If the customer's open visit is still `seen` (same visit and zone),
  // moves its last_seen forward to `seen.last_seen` (never back) and
  // returns true; false when the visit is over or the customer moved on.
  // Serialised with record(): a leave decided on an older last_seen then
  // fails instead of closing the visit of a customer just seen.
  virtual domain::Result<bool> touch(const std::string& customer_id, const domain::Presence& seen) = 0;

  // Drops answers recorded before `before`; returns how many.
  virtual domain::Result<std::size_t> forget_answers(domain::Timestamp before) = 0;

  // The customer's visits, newest first, at most `limit`.
  virtual domain::Result<std::vector<domain::Visit>> visits(const std::string& customer_id,
                                                            std::size_t limit) const = 0;

  // Everyone with an open visit in the store.
  virtual domain::Result<std::vector<domain::CustomerPresence>> in_store(const std::string& store_id) const = 0;
};

}  // namespace tastesync::application
