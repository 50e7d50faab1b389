#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "application/ports/event_publisher_port.h"
#include "application/ports/id_generator_port.h"
#include "application/ports/last_seen_port.h"
#include "application/ports/presence_store_port.h"
#include "application/ports/visit_ledger_port.h"
#include "domain/error.h"
#include "domain/sighting.h"

namespace tastesync::application {

// The driven ports LeaveDetectionUseCase needs; all outlive it.
struct LeaveDetectionDependencies {
  LastSeenPort& last_seen;
  VisitLedgerPort& ledger;
  EventPublisherPort& events;
  IdGeneratorPort& ids;
  PresenceStorePort& presence;
};

struct LeaveDetectionSettings {
  // A customer not seen for this long has left the store.
  std::chrono::seconds leave_after{600};
  // Stale customers handled per index read; a sweep reads at most
  // max_batches of them and leaves the rest to the next sweep.
  std::size_t batch_size = 500;
  std::size_t max_batches = 20;
};

// Ends the visits of customers who went silent (Signal::kSilence).
//
// Every instance sweeps; the visit ledger's compare-and-set against the open
// visit makes exactly one of them record the leave (and its single
// CustomerLeftStore outbox row). The others get kAborted, or find no open
// visit, and only drop the customer from the index.
//
// The event's occurred_at is the sweep time (`now`): the moment the service
// concluded the customer left, which is never before any event it recorded
// earlier for the visit. The silence began up to `leave_after` plus one sweep
// interval before it.
class LeaveDetectionUseCase {
 public:
  explicit LeaveDetectionUseCase(const LeaveDetectionDependencies& deps, LeaveDetectionSettings settings = {});

  // Leaves every customer last seen at or before `now - leave_after`.
  // Returns how many visits this call ended. kUnavailable (ledger or index
  // down) stops the sweep: what is left over is found again next time.
  domain::Result<std::size_t> sweep(domain::Timestamp now);

  const LeaveDetectionSettings& settings() const { return settings_; }

 private:
  enum class Outcome { kLeft, kDropped, kKept };
  domain::Result<Outcome> leave_if_silent(const std::string& customer_id, domain::Timestamp now,
                                          domain::Timestamp cutoff);
  // Presence is derived state: once the ledger closed `visit_id`, a presence
  // record still in that visit is reset so the next sighting starts a new
  // visit instead of looking like "nothing changed".
  void clear_presence(const std::string& customer_id, const std::string& visit_id);

  LeaveDetectionDependencies deps_;
  LeaveDetectionSettings settings_;
};

}  // namespace tastesync::application
