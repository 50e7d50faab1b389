#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/error.h"
#include "domain/events.h"
#include "domain/presence.h"
#include "domain/visit.h"

namespace tastesync::application {

// The durable history of visits and zone transitions, and the arbiter of
// who is where: several service instances may see the same customer at
// once, and only the one whose `before` still matches records a transition.
class VisitLedgerPort {
 public:
  virtual ~VisitLedgerPort() = default;

  // Atomically: if the customer's open visit is still `before` (same visit id
  // and zone; nullopt = no open visit), store `after` and the events (and,
  // with PostgreSQL, one outbox row per event) in one transaction.
  // kAborted when another instance moved first (nothing written: re-read
  // with current() and retry); kUnavailable when the store is down.
  virtual domain::Result<void> record(const std::string& customer_id, const std::optional<domain::Presence>& before,
                                      const std::optional<domain::Presence>& after,
                                      const std::vector<domain::DomainEvent>& events) = 0;

  // The customer's open visit and zone, as last recorded.
  virtual domain::Result<std::optional<domain::Presence>> current(const std::string& customer_id) const = 0;

  // The customer's visits, newest first, at most `limit`.
  virtual domain::Result<std::vector<domain::Visit>> visits(const std::string& customer_id,
                                                            std::size_t limit) const = 0;

  // Everyone with an open visit in the store.
  virtual domain::Result<std::vector<domain::CustomerPresence>> in_store(const std::string& store_id) const = 0;
};

}  // namespace tastesync::application
