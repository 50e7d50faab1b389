#pragma once

#include <vector>

#include "domain/error.h"
#include "domain/events.h"

namespace tastesync::application {

// The durable history of visits and zone transitions. `record` is atomic: the
// transitions and the events describing them are written together or not at
// all (later: one PostgreSQL transaction with an outbox row per event).
class VisitLedgerPort {
 public:
  virtual ~VisitLedgerPort() = default;
  virtual domain::Result<void> record(const std::vector<domain::DomainEvent>& events) = 0;
  virtual domain::Result<std::vector<domain::DomainEvent>> history(const std::string& customer_id) const = 0;
};

}  // namespace tastesync::application
