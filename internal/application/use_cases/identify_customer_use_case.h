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
#include "domain/services/zone_resolver.h"

namespace tastesync::application {

// The driven ports IdentifyCustomerUseCase needs; all outlive it.
// `request_state` must be over the same data as `presence` and
// `idempotency`: it serves the common path in one call each way, the two
// separate ports the rare ones (holds around a ledger write, an answer
// remembered after a lost race).
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
//
// The visit ledger decides; presence is its cache (docs/design.md, "The
// ledger decides"). An answer that changes nothing relies on a presence
// record only when the record is confirmed; otherwise the ledger is read
// first (one round trip, which also finds the answer of a retried request
// that recorded a transition). A transition is announced in the cache
// (a hold), recorded in the ledger together with its answer, then written
// back to the cache; a writer that stops half-way leaves an unconfirmed
// record, never a wrong confirmed one.
class IdentifyCustomerUseCase final : public IdentifyCustomerPort {
 public:
  IdentifyCustomerUseCase(const IdentifyDependencies& deps, const domain::ResolverSettings& resolver,
                          const IdentifyLimits& limits);

  domain::Result<IdentifyResponse> identify(const Principal& caller, const IdentifyRequest& request) override;
  // The sighting that changes nothing, for a confirmed record: this
  // instance's copy (RequestStatePort::lend) or, without one, the store's
  // (begin_later); decided here and written with commit_later: what
  // try_place does in that case, the same checks by the same write, with no
  // thread blocked on a round trip. Everything else, every error included,
  // is left to identify(), which decides it from the store's current record.
  void identify_without_waiting(const Principal& caller, const IdentifyRequest& request, LaterAnswer done) override;

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
                                                  const std::string& digest, const Locate& locate,
                                                  std::optional<domain::Timestamp> deadline = std::nullopt);

 private:
  struct Transition {
    std::vector<domain::DomainEvent> events;
    std::optional<domain::Presence> after;
    bool moved = false;  // store, visit or zone changed
  };

  // identify_without_waiting once the record is in hand.
  void decide_without_waiting(const std::string& customer_id, const std::string& idempotency_key,
                              const IdentifyRequest& request, RequestState state, LaterAnswer done);
  // One try at placing the customer; nullopt when a concurrent writer (on
  // another instance, or the leave sweep) got in between and the request
  // must start over. Nothing durable is written before a try succeeds.
  domain::Result<std::optional<IdentifyResponse>> try_place(const std::string& customer_id,
                                                            const std::string& idempotency_key,
                                                            const std::string& digest, const Locate& locate,
                                                            std::optional<domain::Timestamp> deadline);
  // The transition `placement` makes from `before` (nothing recorded yet).
  Transition decide(const std::string& customer_id, const std::optional<domain::Presence>& before,
                    const Placement& placement, domain::Timestamp now);
  static IdentifyResponse answer_for(const std::string& customer_id, const Placement& placement,
                                     const Transition& transition);
  // Records a transition: announces it in the cache (a hold), records it
  // with the answer in the ledger, then writes the cache back confirmed.
  domain::Result<std::optional<IdentifyResponse>> record_transition(
      const std::string& customer_id, domain::PresenceRecord record, const Transition& transition,
      const std::string& idempotency_key, const RememberedReply& reply, std::optional<domain::Timestamp> deadline);
  // Takes back a hold this request placed (when its write failed), leaving
  // the record unconfirmed so the next request asks the ledger.
  void release_hold(const std::string& customer_id, domain::Timestamp hold_until);
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
  domain::ZoneResolver resolver_;
  IdentifyLimits limits_;
  // One customer's requests are applied one at a time (their resolver state
  // is read-modify-write); different customers proceed in parallel.
  std::array<std::mutex, 256> stripes_;
};

}  // namespace tastesync::application
