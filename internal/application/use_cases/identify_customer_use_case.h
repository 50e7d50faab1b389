#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "application/ports/beacon_registry_port.h"
#include "application/ports/clock_port.h"
#include "application/ports/event_publisher_port.h"
#include "application/ports/id_generator_port.h"
#include "application/ports/idempotency_store_port.h"
#include "application/ports/identify_customer_port.h"
#include "application/ports/presence_store_port.h"
#include "application/ports/request_state_port.h"
#include "application/ports/table_qr_port.h"
#include "application/ports/visit_ledger_port.h"
#include "application/use_cases/identify_request_validation.h"
#include "domain/identification_service.h"

namespace tastesync::application {

// The driven ports IdentifyCustomerUseCase needs; all outlive it.
// `request_state` must be over the same data as `presence` and
// `idempotency`: it serves the common path in one call each way, the two
// separate ports the rare one (rebasing after a concurrent write).
struct IdentifyDependencies {
  BeaconRegistryPort& registry;
  PresenceStorePort& presence;
  VisitLedgerPort& ledger;
  EventPublisherPort& events;
  IdempotencyStorePort& idempotency;
  RequestStatePort& request_state;
  TableQrVerifierPort& table_qr;
  ClockPort& clock;
  IdGeneratorPort& ids;
};

// Who is where: validates the request, resolves beacons or a table QR to a
// zone, applies the CustomerIdentity aggregate, records transitions before
// answering, publishes their events, and remembers the answer for retries.
class IdentifyCustomerUseCase final : public IdentifyCustomerPort {
 public:
  IdentifyCustomerUseCase(const IdentifyDependencies& deps, const domain::ResolverSettings& resolver,
                          const IdentifyLimits& limits);

  domain::Result<IdentifyResponse> identify(const Principal& caller, const IdentifyRequest& request) override;

  // Where a signal puts the customer, and how surely.
  struct Placement {
    const domain::Zone* zone = nullptr;
    double confidence = 0.0;
    domain::Signal signal = domain::Signal::kBeacon;
  };
  // Decides the placement from the floor plan and the customer's presence
  // record (whose resolver state it may reset). Runs only for a request not
  // already answered, under the customer's lock, so it may consume one-time
  // things (a code's nonce).
  using Locate = std::function<domain::Result<Placement>(const domain::FloorPlan& plan, domain::PresenceRecord& record,
                                                         domain::Timestamp now)>;

  // The path every signal takes once it names a customer: a retry under
  // `idempotency_key` with the same `digest` gets the first answer; otherwise
  // `locate` places the customer, the transition is recorded before
  // answering, its events published and the answer remembered. Identify and
  // the store scanner's reports share it.
  domain::Result<IdentifyResponse> place_customer(const std::string& customer_id, const std::string& idempotency_key,
                                                  const std::string& digest, const Locate& locate);

 private:
  struct Transition {
    std::vector<domain::DomainEvent> events;
    std::optional<domain::Presence> after;
    bool moved = false;  // store, visit or zone changed
  };

  domain::Result<Transition> apply_transition(const std::string& customer_id, std::optional<domain::Presence> before,
                                              const Placement& placement, domain::Timestamp now);
  // After a concurrent write: re-reads presence, re-applies the placement
  // and saves; returns the events of the re-applied transition.
  domain::Result<std::vector<domain::DomainEvent>> rebase_presence(const std::string& customer_id,
                                                                   domain::PresenceRecord& record,
                                                                   const Placement& placement, domain::Timestamp now);
  domain::Result<IdentifyResponse> identify_locked(const std::string& customer_id, const Locate& locate,
                                                   const std::string& idempotency_key, const std::string& digest,
                                                   domain::PresenceRecord record);
  domain::Result<Placement> place_by_beacons(const domain::FloorPlan& plan, const IdentifyRequest& request,
                                             domain::ResolverState& state, domain::Timestamp now) const;
  // kFailedPrecondition when the customer was last seen in a store too far
  // from `store_id` to have come here since (limits_.max_travel_speed_kmh).
  domain::Result<void> check_travel(const domain::FloorPlan& plan, const std::optional<domain::Presence>& last,
                                    const std::string& store_id, domain::Timestamp now) const;
  domain::Result<Placement> place_by_table_qr(const domain::FloorPlan& plan, const IdentifyRequest& request,
                                              domain::ResolverState& state) const;
  std::mutex& stripe_for(const std::string& customer_id);

  IdentifyDependencies deps_;
  domain::IdentificationService resolver_;
  IdentifyLimits limits_;
  // One customer's requests are applied one at a time (their resolver state
  // is read-modify-write); different customers proceed in parallel.
  std::array<std::mutex, 256> stripes_;
};

}  // namespace tastesync::application
