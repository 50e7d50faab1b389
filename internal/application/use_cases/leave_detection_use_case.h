#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "application/ports/event_publisher_port.h"
#include "application/ports/id_generator_port.h"
#include "application/ports/last_seen_port.h"
#include "application/ports/presence_store_port.h"
#include "application/ports/visit_ledger_port.h"
#include "domain/entities/sighting.h"
#include "domain/error.h"

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
  // How long a leave may take between its hold on the presence record and
  // the ledger write (see IdentifyLimits::ledger_hold).
  std::chrono::seconds ledger_hold{30};
  // Answers the ledger keeps for retried requests are dropped after this
  // (the same as the cache keeps them: idempotency_ttl). 0: kept.
  std::chrono::seconds answers_kept_for{0};
};

// Ends the visits of customers who went silent (Signal::kSilence).
//
// Every instance sweeps; the visit ledger's compare-and-set against the open
// visit makes exactly one of them record the leave (and its single
// CustomerLeftStore outbox row). The others get kAborted, or find no open
// visit, and only drop the customer from the index.
//
// Candidates come from the cache's last-seen index and from the ledger's
// open visits whose recorded last_seen is old, so a visit is closed even when
// the cache lost everything. A candidate the cache saw recently is kept, and
// its last_seen is written back to the ledger so it stops being a
// candidate for another leave_after.
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
  // kBusy: a sighting raced the sweep; the customer is looked at next sweep.
  enum class Outcome { kLeft, kDropped, kKept, kBusy };
  domain::Result<Outcome> leave_if_silent(const std::string& customer_id, domain::Timestamp now,
                                          domain::Timestamp cutoff);
  // One pass over a source of candidates; returns the visits it ended.
  template <typename Candidates>
  domain::Result<std::size_t> sweep_from(Candidates&& next_batch, domain::Timestamp now, domain::Timestamp cutoff);
  // Presence is a cache of the ledger: once the ledger closed `visit_id`,
  // the record is reset (unconfirmed, so the next sighting asks the ledger)
  // and the sweep's hold, if still there, taken back.
  void clear_presence(const std::string& customer_id, const std::string& visit_id, domain::Timestamp hold_until);

  LeaveDetectionDependencies deps_;
  LeaveDetectionSettings settings_;
};

}  // namespace tastesync::application
