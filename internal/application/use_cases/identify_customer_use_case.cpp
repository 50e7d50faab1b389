#include "application/use_cases/identify_customer_use_case.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>

#include "domain/aggregates/customer_identity.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::fail;

Location location_of(const domain::Zone& zone) {
  return Location{zone.store_id, zone.id, zone.kind,
                  zone.kind == domain::ZoneKind::kTable ? zone.label : std::string{}};
}

// A retry (same key) gets the first answer; the same key with another body
// is a client bug, named as such.
domain::Result<std::optional<IdentifyResponse>> replay(const RememberedReply& remembered,
                                                       const std::string& idempotency_key, const std::string& digest) {
  if (remembered.request_fingerprint != digest) {
    const std::string request_id = idempotency_key.substr(idempotency_key.rfind('\n') + 1);
    return fail(ErrorCode::kInvalidArgument, "request_id '" + request_id + "' was already used for a different request",
                "request_id");
  }
  IdentifyResponse again = remembered.response;
  again.replayed = true;
  return std::optional<IdentifyResponse>{std::move(again)};
}

// Makes an unconfirmed record agree with the ledger's open visit. When they
// differ the cache was behind: the ledger's place wins, and the resolver
// restarts from it (its readings are smoothing, not truth), as after a
// table QR scan.
void adopt_ledger(domain::PresenceRecord& record, const std::optional<domain::Presence>& ledger) {
  const bool same = record.presence && ledger && record.presence->visit_id == ledger->visit_id &&
                    record.presence->zone_id == ledger->zone_id;
  if (same) {
    // The cache usually has the fresher last_seen; the ledger's is newer
    // when a sighting under a hold vouched there but not here.
    record.presence->last_seen = std::max(record.presence->last_seen, ledger->last_seen);
    return;
  }
  if (!ledger) {
    if (record.presence) record.resolver = domain::ResolverState{};
    record.presence.reset();
    return;
  }
  record.presence = ledger;
  record.resolver = domain::ResolverState{};
  record.resolver.store_id = ledger->store_id;
  record.resolver.incumbent_zone_id = ledger->zone_id;
}

// Scoped by caller: two customers may pick the same request_id.
std::string idempotency_key_of(const std::string& customer_id, const std::string& request_id) {
  return customer_id + '\n' + request_id;
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

  const std::string idempotency_key = idempotency_key_of(caller.subject, request.request_id);
  return place_customer(
      caller.subject, idempotency_key, fingerprint(request),
      [this, &request](const domain::FloorPlan& plan, domain::PresenceRecord& record,
                       domain::Timestamp now) -> domain::Result<Placement> {
        return request.table_qr.empty() ? place_by_beacons(plan, request, record.resolver, now)
                                        : place_by_table_qr(plan, request, record.resolver);
      },
      request.deadline);
}

void IdentifyCustomerUseCase::identify_without_waiting(const Principal& caller, const IdentifyRequest& request,
                                                       LaterAnswer done) {
  const bool plain_sighting = caller.role == Role::kCustomer && request.table_qr.empty() &&
                              !request.sightings.empty() && validate_request_id(request.request_id, limits_);
  if (!plain_sighting) return done(std::nullopt);
  // Neither `caller` nor `request` outlives this call (the port's contract).
  const std::string& customer_id = caller.subject;
  std::string idempotency_key = idempotency_key_of(customer_id, request.request_id);
  if (auto lent = deps_.request_state.lend(customer_id, idempotency_key)) {
    return decide_without_waiting(customer_id, idempotency_key, request, std::move(*lent), std::move(done));
  }
  // Nothing lent (a customer new to this instance, its copy lent to the
  // customer's other call still under way): the read, without waiting. Its
  // continuation keeps a copy of the request; `done` is called here instead
  // if the read is not sent.
  struct Pending {
    IdentifyRequest request;
    LaterAnswer done;
  };
  auto pending = std::make_shared<Pending>(Pending{request, std::move(done)});
  const bool reading = deps_.request_state.begin_later(
      customer_id, idempotency_key, [this, customer_id, idempotency_key, pending](domain::Result<RequestState> state) {
        if (!state) return pending->done(std::nullopt);
        decide_without_waiting(customer_id, idempotency_key, pending->request, std::move(*state),
                               std::move(pending->done));
      });
  if (!reading) pending->done(std::nullopt);
}

void IdentifyCustomerUseCase::decide_without_waiting(const std::string& customer_id, const std::string& idempotency_key,
                                                     const IdentifyRequest& request, RequestState state,
                                                     LaterAnswer done) {
  // A retry of an answered request is replayed by identify().
  if (state.remembered) return done(std::nullopt);
  domain::PresenceRecord record = std::move(state.record);
  const domain::Timestamp now = deps_.clock.now();
  // Unconfirmed (the ledger must be asked) or held (a writer is changing
  // the ledger entry): both need the ledger, which blocks.
  if (!record.confirmed || record.ledger_hold_until > now) return done(std::nullopt);
  const domain::FloorPlanPtr plan = deps_.registry.current();
  // A store's first sighting since its plan or calibration changed builds its
  // zone model, which may take seconds: not on this thread (the transport's,
  // or the one reading Redis's replies for every caller).
  if (record.resolver.store_id.empty() || !plan->zone_model_built(record.resolver.store_id)) {
    return done(std::nullopt);
  }
  auto placement = place_by_beacons(*plan, request, record.resolver, now);
  if (!placement || !check_travel(*plan, record.presence, placement->zone->store_id, now)) return done(std::nullopt);
  const Transition transition = decide(customer_id, record.presence, *placement, now);
  if (transition.moved) return done(std::nullopt);  // the ledger records moves
  IdentifyResponse response = answer_for(customer_id, *placement, transition);
  const RememberedReply reply{fingerprint(request), response};
  record.presence = transition.after;
  record.confirmed = true;
  record.ledger_hold_until = {};
  // A lost compare-and-set, an answer already kept for the request_id, an
  // outage: identify() starts over from the store, as try_place's next try.
  // `done` moves into the write's continuation only if the write is sent.
  auto shared_done = std::make_shared<LaterAnswer>(std::move(done));
  const bool sent = deps_.request_state.commit_later(
      customer_id, record, idempotency_key, reply,
      [shared_done, response = std::move(response)](domain::Result<void> committed) mutable {
        if (committed) return (*shared_done)(domain::Result<IdentifyResponse>(std::move(response)));
        (*shared_done)(std::nullopt);
      });
  if (!sent) (*shared_done)(std::nullopt);
}

IdentifyResponse IdentifyCustomerUseCase::answer_for(const std::string& customer_id, const Placement& placement,
                                                     const Transition& transition) {
  IdentifyResponse response;
  response.customer_id = customer_id;
  response.location = location_of(*placement.zone);
  response.confidence = placement.confidence;
  response.location_changed = transition.moved;
  for (const domain::DomainEvent& event : transition.events) response.event_ids.push_back(event.event_id);
  return response;
}

domain::Result<IdentifyResponse> IdentifyCustomerUseCase::place_customer(const std::string& customer_id,
                                                                         const std::string& idempotency_key,
                                                                         const std::string& digest,
                                                                         const Locate& locate,
                                                                         std::optional<domain::Timestamp> deadline) {
  std::scoped_lock lock(stripe_for(customer_id));
  // Each try starts from what the cache and the ledger say now; a try that
  // lost a race wrote nothing durable, so starting over is safe.
  constexpr int kTries = 4;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    auto placed = try_place(customer_id, idempotency_key, digest, locate, deadline);
    if (!placed) return std::unexpected(placed.error());
    if (*placed) return std::move(**placed);
  }
  return fail(ErrorCode::kAborted,
              "the customer's presence kept changing concurrently; retry with the same request_id");
}

domain::Result<std::optional<IdentifyResponse>> IdentifyCustomerUseCase::try_place(
    const std::string& customer_id, const std::string& idempotency_key, const std::string& digest, const Locate& locate,
    std::optional<domain::Timestamp> deadline) {
  auto state = deps_.request_state.begin(customer_id, idempotency_key);
  if (!state) return std::unexpected(state.error());
  if (state->remembered) return replay(*state->remembered, idempotency_key, digest);

  domain::PresenceRecord record = std::move(state->record);
  const domain::Timestamp now = deps_.clock.now();
  // Someone is changing this customer's ledger entry right now: whatever we
  // read from the ledger may be overtaken, so we must not vouch for it.
  const bool held = record.ledger_hold_until > now;
  // Whether this request may vouch for the record when it writes it back.
  bool may_confirm = !held;
  if (!record.confirmed) {
    auto view = deps_.ledger.recall(customer_id, now - limits_.answers_kept_for);
    if (!view) return std::unexpected(view.error());
    // The cache may have lost the answers of requests that recorded a
    // transition (a restart, an outage, a writer that stopped): they go
    // back first, so a confirmed record always comes with them and a retry
    // answered from the cache gets its first answer, not a second run.
    const RememberedReply* mine = nullptr;
    for (const LedgerAnswer& kept : view->answers) {
      if (kept.idempotency_key == idempotency_key) mine = &kept.reply;
      if (!deps_.idempotency.remember(customer_id, kept.idempotency_key, kept.reply)) may_confirm = false;
    }
    if (mine != nullptr) return replay(*mine, idempotency_key, digest);
    adopt_ledger(record, view->presence);
  }

  const domain::FloorPlanPtr plan = deps_.registry.current();
  auto placement = locate(*plan, record, now);
  if (!placement) return std::unexpected(placement.error());
  if (auto plausible = check_travel(*plan, record.presence, placement->zone->store_id, now); !plausible) {
    return std::unexpected(std::move(plausible.error()));
  }

  const Transition transition = decide(customer_id, record.presence, *placement, now);
  IdentifyResponse response = answer_for(customer_id, *placement, transition);
  const RememberedReply reply{digest, response};
  if (transition.moved) {
    return record_transition(customer_id, std::move(record), transition, idempotency_key, reply, deadline);
  }

  // Nothing moved, but another writer (a leave sweep, another instance) is
  // changing this customer's ledger entry: what the ledger said a moment
  // ago may be overtaken before this answer arrives. Saying so in the
  // ledger settles it: either the place still holds and the writer, whose
  // decision predates this sighting, fails; or the writer was first and the
  // next try sees its outcome (a new visit after a leave, say).
  if (held) {
    auto still_there = deps_.ledger.touch(customer_id, *transition.after);
    if (!still_there) return std::unexpected(still_there.error());
    if (!*still_there) return std::optional<IdentifyResponse>{};
  }
  // The answer is the cache's, which is now known to match the ledger;
  // presence and the answer are written together, in one call.
  record.presence = transition.after;
  record.confirmed = may_confirm;
  if (!held) record.ledger_hold_until = {};
  auto committed = deps_.request_state.commit(customer_id, record, idempotency_key, reply);
  if (!committed) {
    if (committed.error().code == ErrorCode::kAborted) return std::optional<IdentifyResponse>{};
    return std::unexpected(committed.error());
  }
  return std::optional<IdentifyResponse>{std::move(response)};
}

domain::Result<std::optional<IdentifyResponse>> IdentifyCustomerUseCase::record_transition(
    const std::string& customer_id, domain::PresenceRecord record, const Transition& transition,
    const std::string& idempotency_key, const RememberedReply& reply, std::optional<domain::Timestamp> deadline) {
  // 1. Announce the change: from here until the cache is written back, no
  //    reader trusts the cached presence (and none may confirm it).
  const domain::Timestamp hold_until = deps_.clock.now() + limits_.ledger_hold;
  domain::PresenceRecord hold = record;
  hold.confirmed = false;
  hold.ledger_hold_until = hold_until;
  if (auto held = deps_.presence.save(customer_id, hold); !held) {
    if (held.error().code == ErrorCode::kAborted) return std::optional<IdentifyResponse>{};
    return std::unexpected(held.error());
  }
  // 2. The ledger decides: the transition, its outbox rows and this answer
  //    in one transaction, only if the customer is still where we think.
  // The answer needs a moment to reach the caller after the commit.
  constexpr std::chrono::milliseconds kAnswerTravel{20};
  std::optional<domain::Timestamp> commit_by;
  if (deadline) commit_by = *deadline - kAnswerTravel;
  auto recorded = deps_.ledger.record(customer_id, record.presence, transition.after, transition.events,
                                      LedgerAnswer{idempotency_key, reply, commit_by});
  if (!recorded) {
    release_hold(customer_id, hold_until);
    // kAborted: the ledger moved on; kAlreadyExists: another instance
    // recorded this very request. The next try reads the ledger and answers
    // from it (the first answer, for the latter).
    const ErrorCode code = recorded.error().code;
    if (code == ErrorCode::kAborted || code == ErrorCode::kAlreadyExists) return std::optional<IdentifyResponse>{};
    return std::unexpected(recorded.error());
  }
  // 3. Write the cache back, confirmed, with the answer for fast retries.
  record.version = hold.version + 1;
  record.presence = transition.after;
  record.confirmed = true;
  record.ledger_hold_until = {};
  if (auto committed = deps_.request_state.commit(customer_id, record, idempotency_key, reply); !committed) {
    // The transition is recorded and this answer is final. The cache stays
    // unconfirmed, so the next request asks the ledger; the ledger also
    // keeps this answer for retries.
    release_hold(customer_id, hold_until);
    (void)deps_.idempotency.remember(customer_id, idempotency_key, reply);
  }
  // The ledger already holds the events; a publisher hiccup must not fail a
  // request whose transition is committed (the relay retries from the
  // ledger's outbox).
  (void)deps_.events.publish(transition.events);
  return std::optional<IdentifyResponse>{reply.response};
}

void IdentifyCustomerUseCase::release_hold(const std::string& customer_id, domain::Timestamp hold_until) {
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto current = deps_.presence.load(customer_id);
    if (!current || current->ledger_hold_until != hold_until) return;  // gone, or not ours any more
    current->confirmed = false;
    current->ledger_hold_until = {};
    auto saved = deps_.presence.save(customer_id, *current);
    // Anything but a lost race: the hold lapses by itself.
    if (saved || saved.error().code != ErrorCode::kAborted) return;
  }
}

IdentifyCustomerUseCase::Transition IdentifyCustomerUseCase::decide(const std::string& customer_id,
                                                                    const std::optional<domain::Presence>& before,
                                                                    const Placement& placement, domain::Timestamp now) {
  domain::CustomerIdentity identity(customer_id, before);
  Transition transition;
  transition.events = identity.place_at(*placement.zone, placement.signal, placement.confidence, now,
                                        [this] { return deps_.ids.next_id(); });
  for (domain::DomainEvent& event : transition.events) event.event_id = deps_.ids.next_id();
  transition.after = identity.presence();
  transition.moved =
      !before || before->visit_id != transition.after->visit_id || before->zone_id != transition.after->zone_id;
  return transition;
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

  const domain::ZoneDecision decision = resolver_.resolve(state, known, now, plan.find_zone_model(store_id));
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
