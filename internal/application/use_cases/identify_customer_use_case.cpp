#include "application/use_cases/identify_customer_use_case.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "domain/customer_identity.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::fail;

Location location_of(const domain::Zone& zone) {
  return Location{zone.store_id, zone.id, zone.kind,
                  zone.kind == domain::ZoneKind::kTable ? zone.label : std::string{}};
}

}  // namespace

IdentifyCustomerUseCase::IdentifyCustomerUseCase(const IdentifyDependencies& deps,
                                                 const domain::ResolverSettings& resolver, const IdentifyLimits& limits)
    : deps_(deps), resolver_(resolver), limits_(limits) {}

std::mutex& IdentifyCustomerUseCase::stripe_for(const std::string& customer_id) {
  return stripes_[std::hash<std::string>{}(customer_id) % stripes_.size()];
}

domain::Result<IdentifyResponse> IdentifyCustomerUseCase::identify(const Principal& caller,
                                                                   const IdentifyRequest& request) {
  if (caller.role != Role::kCustomer) {
    return fail(ErrorCode::kPermissionDenied,
                std::string("Identify reports the caller's own sightings and needs a customer token, not ") +
                    to_string(caller.role));
  }
  if (auto ok = validate_request_id(request.request_id, limits_); !ok) return std::unexpected(ok.error());
  if (!request.table_qr.empty() && !request.sightings.empty()) {
    return fail(ErrorCode::kInvalidArgument, "send either sightings or table_qr, not both", "table_qr");
  }

  // Scoped by caller: two customers may pick the same request_id.
  const std::string idempotency_key = caller.subject + '\n' + request.request_id;
  return place_customer(caller.subject, idempotency_key, fingerprint(request),
                        [this, &request](const domain::FloorPlan& plan, domain::PresenceRecord& record,
                                         domain::Timestamp now) -> domain::Result<Placement> {
                          return request.table_qr.empty() ? place_by_beacons(plan, request, record.resolver, now)
                                                          : place_by_table_qr(plan, request, record.resolver);
                        });
}

domain::Result<IdentifyResponse> IdentifyCustomerUseCase::place_customer(const std::string& customer_id,
                                                                         const std::string& idempotency_key,
                                                                         const std::string& digest,
                                                                         const Locate& locate) {
  std::scoped_lock lock(stripe_for(customer_id));
  auto state = deps_.request_state.begin(customer_id, idempotency_key);
  if (!state) return std::unexpected(state.error());
  if (state->remembered) {
    if (state->remembered->request_fingerprint != digest) {
      const std::string request_id = idempotency_key.substr(idempotency_key.rfind('\n') + 1);
      return fail(ErrorCode::kInvalidArgument,
                  "request_id '" + request_id + "' was already used for a different request", "request_id");
    }
    return std::move(state->remembered->response);
  }
  return identify_locked(customer_id, locate, idempotency_key, digest, std::move(state->record));
}

domain::Result<IdentifyResponse> IdentifyCustomerUseCase::identify_locked(const std::string& customer_id,
                                                                          const Locate& locate,
                                                                          const std::string& idempotency_key,
                                                                          const std::string& digest,
                                                                          domain::PresenceRecord record) {
  const domain::Timestamp now = deps_.clock.now();
  const domain::FloorPlanPtr plan = deps_.registry.current();

  auto placement = locate(*plan, record, now);
  if (!placement) return std::unexpected(placement.error());
  const domain::Zone& zone = *placement->zone;
  if (auto plausible = check_travel(*plan, record.presence, zone.store_id, now); !plausible) {
    return std::unexpected(std::move(plausible.error()));
  }

  auto transition = apply_transition(customer_id, record.presence, *placement, now);
  if (!transition) return std::unexpected(transition.error());

  IdentifyResponse response;
  response.customer_id = customer_id;
  response.location = location_of(zone);
  response.confidence = placement->confidence;
  response.location_changed = transition->moved;
  for (const domain::DomainEvent& event : transition->events) response.event_ids.push_back(event.event_id);

  record.presence = transition->after;
  // The common path: presence and the answer written together, in one call.
  auto committed = deps_.request_state.commit(customer_id, record, idempotency_key, RememberedReply{digest, response});
  if (!committed && committed.error().code != ErrorCode::kAborted) return std::unexpected(committed.error());
  if (!committed) {
    // Nothing was written: rebase presence, which may add events to the
    // answer, then remember the answer as it finally is.
    auto rebased = rebase_presence(customer_id, record, *placement, now);
    if (!rebased) return std::unexpected(rebased.error());
    for (domain::DomainEvent& event : *rebased) {
      response.event_ids.push_back(event.event_id);
      transition->events.push_back(std::move(event));
    }
    if (!rebased->empty()) response.location_changed = true;
  }
  if (!transition->events.empty()) {
    // The ledger already holds the events; a publisher hiccup must not fail a
    // request whose transition is committed (the relay retries from the
    // ledger's outbox).
    (void)deps_.events.publish(transition->events);
  }
  if (!committed) {
    if (auto kept = deps_.idempotency.remember(idempotency_key, RememberedReply{digest, response}); !kept) {
      return std::unexpected(kept.error());
    }
  }
  return response;
}

domain::Result<IdentifyCustomerUseCase::Transition> IdentifyCustomerUseCase::apply_transition(
    const std::string& customer_id, std::optional<domain::Presence> before, const Placement& placement,
    domain::Timestamp now) {
  // The ledger is the arbiter between instances: a transition is recorded
  // only if the customer's open visit is still what we based it on. When
  // another instance moved first, re-read and apply ours on top.
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    domain::CustomerIdentity identity(customer_id, before);
    Transition transition;
    transition.events = identity.place_at(*placement.zone, placement.signal, placement.confidence, now,
                                          [this] { return deps_.ids.next_id(); });
    for (domain::DomainEvent& event : transition.events) event.event_id = deps_.ids.next_id();
    transition.after = identity.presence();
    transition.moved =
        !before || before->visit_id != transition.after->visit_id || before->zone_id != transition.after->zone_id;
    // A sighting that changes nothing writes nothing durable.
    if (!transition.moved) return transition;
    auto recorded = deps_.ledger.record(customer_id, before, transition.after, transition.events);
    if (recorded) return transition;
    if (recorded.error().code != ErrorCode::kAborted || attempt == kAttempts) {
      return std::unexpected(recorded.error());
    }
    auto current = deps_.ledger.current(customer_id);
    if (!current) return std::unexpected(current.error());
    before = *current;
  }
}

domain::Result<std::vector<domain::DomainEvent>> IdentifyCustomerUseCase::rebase_presence(
    const std::string& customer_id, domain::PresenceRecord& record, const Placement& placement, domain::Timestamp now) {
  // Someone wrote presence in between: another instance, or the leave sweep
  // that just closed this visit. Rebase on what they wrote and apply our
  // placement again; the ledger arbitrates, so a closed visit is reopened as
  // a new one rather than silently overwritten.
  auto latest = deps_.presence.load(customer_id);
  if (!latest) return std::unexpected(latest.error());
  auto rebased = apply_transition(customer_id, latest->presence, placement, now);
  if (!rebased) return std::unexpected(rebased.error());
  record.presence = rebased->after;
  record.version = latest->version;
  if (auto again = deps_.presence.save(customer_id, record); !again) return std::unexpected(again.error());
  return std::move(rebased->events);
}

domain::Result<IdentifyCustomerUseCase::Placement> IdentifyCustomerUseCase::place_by_beacons(
    const domain::FloorPlan& plan, const IdentifyRequest& request, domain::ResolverState& state,
    domain::Timestamp now) const {
  auto sightings = validate_sightings(request.sightings, now, limits_);
  if (!sightings) return std::unexpected(sightings.error());

  std::vector<domain::KnownSighting> known;
  known.reserve(sightings->size());
  const domain::KnownSighting* strongest = nullptr;
  for (const domain::Sighting& s : *sightings) {
    const domain::Beacon* beacon = plan.find_beacon(s.beacon);
    if (beacon == nullptr) continue;  // a neighbour's beacon, or one we retired
    known.push_back(domain::KnownSighting{beacon, s.rssi, s.tx_power, s.observed_at});
  }
  if (known.empty()) {
    return fail(ErrorCode::kNotFound,
                "none of the " + std::to_string(sightings->size()) +
                    " sighted beacons is registered (first: " + sightings->front().beacon.to_string() + ")",
                "sightings");
  }
  // A phone near a wall may hear a neighbouring store: the store of the
  // strongest registered beacon is where the customer is.
  strongest =
      &*std::max_element(known.begin(), known.end(), [](const auto& a, const auto& b) { return a.rssi < b.rssi; });
  const std::string store_id = strongest->beacon->store_id;
  std::erase_if(known, [&store_id](const domain::KnownSighting& s) { return s.beacon->store_id != store_id; });

  const domain::ZoneDecision decision = resolver_.resolve(state, known, now, plan.find_fingerprints(store_id));
  const domain::Zone* zone = plan.find_zone(decision.store_id, decision.zone_id);
  if (zone == nullptr) {
    return fail(ErrorCode::kInternal, "resolver chose zone '" + decision.zone_id + "' which the floor plan lacks");
  }
  return Placement{zone, decision.confidence, domain::Signal::kBeacon};
}

domain::Result<IdentifyCustomerUseCase::Placement> IdentifyCustomerUseCase::place_by_table_qr(
    const domain::FloorPlan& plan, const IdentifyRequest& request, domain::ResolverState& state) const {
  if (request.table_qr.size() > limits_.max_table_qr_length) {
    return fail(ErrorCode::kInvalidArgument,
                "table_qr must be at most " + std::to_string(limits_.max_table_qr_length) + " bytes", "table_qr");
  }
  auto claim = deps_.table_qr.verify(request.table_qr);
  if (!claim) return std::unexpected(claim.error());
  const domain::Zone* zone = plan.find_zone(claim->store_id, claim->zone_id);
  if (zone == nullptr) {
    return fail(ErrorCode::kNotFound,
                "the table QR names zone '" + claim->zone_id + "' of store '" + claim->store_id +
                    "', which is not (or no longer) registered",
                "table_qr");
  }
  if (zone->kind != domain::ZoneKind::kTable) {
    return fail(ErrorCode::kInvalidArgument, "the QR code names '" + zone->id + "', which is not a table", "table_qr");
  }
  // A scan is certain: the beacon resolver restarts from this table so it
  // does not argue with it on the next sighting.
  state = domain::ResolverState{};
  state.store_id = zone->store_id;
  state.incumbent_zone_id = zone->id;
  return Placement{zone, 1.0, domain::Signal::kTableQr};
}

domain::Result<void> IdentifyCustomerUseCase::check_travel(const domain::FloorPlan& plan,
                                                           const std::optional<domain::Presence>& last,
                                                           const std::string& store_id, domain::Timestamp now) const {
  if (limits_.max_travel_speed_kmh <= 0 || !last || last->store_id == store_id) return {};
  const domain::Store* from = plan.find_store(last->store_id);
  const domain::Store* to = plan.find_store(store_id);
  if (from == nullptr || to == nullptr || !from->location || !to->location) return {};
  if (domain::travel_is_plausible(*from->location, *to->location, now - last->last_seen,
                                  limits_.max_travel_speed_kmh)) {
    return {};
  }
  // FAILED_PRECONDITION: the request is well-formed; the customer's state
  // (where they were a moment ago) is what rules it out. Nothing is written.
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - last->last_seen).count();
  return fail(ErrorCode::kFailedPrecondition,
              "implausible location: the customer was seen at another store " +
                  std::to_string(static_cast<long>(domain::distance_km(*from->location, *to->location))) + " km away " +
                  std::to_string(seconds) + " s ago, faster than plausibility.max_speed_kmh allows");
}

}  // namespace tastesync::application
