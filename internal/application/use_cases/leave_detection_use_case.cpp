#include "application/use_cases/leave_detection_use_case.h"

#include <optional>
#include <utility>
#include <vector>

#include "domain/aggregates/customer_identity.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;

}  // namespace

LeaveDetectionUseCase::LeaveDetectionUseCase(const LeaveDetectionDependencies& deps, LeaveDetectionSettings settings)
    : deps_(deps), settings_(settings) {
  if (settings_.batch_size == 0) settings_.batch_size = 1;
  if (settings_.max_batches == 0) settings_.max_batches = 1;
}

domain::Result<std::size_t> LeaveDetectionUseCase::sweep(domain::Timestamp now) {
  const domain::Timestamp cutoff = now - settings_.leave_after;
  auto from_index = sweep_from([&] { return deps_.last_seen.stale(cutoff, settings_.batch_size); }, now, cutoff);
  if (!from_index) return std::unexpected(from_index.error());
  // The ledger's own open visits: what the cache lost (a restart, a
  // fail-over) is still closed on time.
  auto from_ledger = sweep_from(
      [&]() -> domain::Result<std::vector<std::string>> {
        auto idle = deps_.ledger.idle_visits(cutoff, settings_.batch_size);
        if (!idle) return std::unexpected(idle.error());
        std::vector<std::string> customers;
        customers.reserve(idle->size());
        for (IdleVisit& visit : *idle) customers.push_back(std::move(visit.customer_id));
        return customers;
      },
      now, cutoff);
  if (!from_ledger) return std::unexpected(from_ledger.error());
  if (settings_.answers_kept_for.count() > 0) (void)deps_.ledger.forget_answers(now - settings_.answers_kept_for);
  return *from_index + *from_ledger;
}

template <typename Candidates>
domain::Result<std::size_t> LeaveDetectionUseCase::sweep_from(Candidates&& next_batch, domain::Timestamp now,
                                                              domain::Timestamp cutoff) {
  std::size_t left = 0;
  for (std::size_t batch = 0; batch < settings_.max_batches; ++batch) {
    auto silent = next_batch();
    if (!silent) return std::unexpected(silent.error());
    std::size_t settled = 0;  // candidates this batch took out of the source
    for (const std::string& customer_id : *silent) {
      auto outcome = leave_if_silent(customer_id, now, cutoff);
      if (!outcome) {
        if (outcome.error().code == ErrorCode::kUnavailable) return std::unexpected(outcome.error());
        continue;  // this customer is retried next sweep; the others need not wait
      }
      if (*outcome == Outcome::kLeft) ++left;
      if (*outcome != Outcome::kBusy) ++settled;  // kept ones were touched, so they leave the source too
    }
    // A short batch was the last; a batch where nothing could be settled
    // would come back identical.
    if (silent->size() < settings_.batch_size || settled == 0) break;
  }
  return left;
}

domain::Result<LeaveDetectionUseCase::Outcome> LeaveDetectionUseCase::leave_if_silent(const std::string& customer_id,
                                                                                      domain::Timestamp now,
                                                                                      domain::Timestamp cutoff) {
  // The presence record is what sightings update; if it saw the customer
  // after the cutoff, the index or the ledger lagged behind it: the
  // customer is here, and both are told so.
  auto record = deps_.presence.load(customer_id);
  if (!record && record.error().code == ErrorCode::kUnavailable) return std::unexpected(record.error());
  if (record && record->presence && record->presence->last_seen > cutoff) {
    const domain::Presence& seen = *record->presence;
    (void)deps_.last_seen.touch(customer_id, seen.last_seen);
    // false: the ledger moved on since the record was written; the next
    // sighting reconciles the two, nothing to leave here.
    if (auto touched = deps_.ledger.touch(customer_id, seen); !touched) return std::unexpected(touched.error());
    return Outcome::kKept;
  }

  auto before = deps_.ledger.current(customer_id);
  if (!before) return std::unexpected(before.error());
  if (!*before) {
    // Already left (another instance was first), or never recorded.
    if (record && record->presence) clear_presence(customer_id, record->presence->visit_id, {});
    (void)deps_.last_seen.forget(customer_id, cutoff);
    return Outcome::kDropped;
  }
  const std::string visit_id = (*before)->visit_id;

  // Announce the leave in the cache first, as a transition does: a sighting
  // arriving meanwhile asks the ledger instead of trusting the cache.
  domain::Timestamp hold_until{};
  if (record) {
    domain::PresenceRecord hold = *record;
    hold.confirmed = false;
    hold.ledger_hold_until = now + settings_.ledger_hold;
    auto held = deps_.presence.save(customer_id, hold);
    if (!held) {
      // A sighting saved in between: the customer may be here after all.
      if (held.error().code == ErrorCode::kAborted) return Outcome::kBusy;
      return std::unexpected(held.error());
    }
    hold_until = hold.ledger_hold_until;
  }

  domain::CustomerIdentity identity(customer_id, *before);
  std::vector<domain::DomainEvent> events = identity.leave(now, domain::Signal::kSilence);
  for (domain::DomainEvent& event : events) event.event_id = deps_.ids.next_id();
  auto recorded = deps_.ledger.record(customer_id, *before, std::nullopt, events, std::nullopt);
  if (recorded) {
    // The outbox row is committed; publishing only wakes the relay early.
    (void)deps_.events.publish(events);
    clear_presence(customer_id, visit_id, hold_until);
    (void)deps_.last_seen.forget(customer_id, cutoff);
    return Outcome::kLeft;
  }
  if (recorded.error().code != ErrorCode::kAborted) {
    clear_presence(customer_id, {}, hold_until);  // takes back the hold only
    return std::unexpected(recorded.error());
  }

  // Another instance recorded this leave first, or the customer moved (and
  // so was seen: forget() below then keeps them). Make sure presence does
  // not outlive a visit that is over, in case that instance stopped before
  // clearing it.
  auto latest = deps_.ledger.current(customer_id);
  const bool closed = latest && (!*latest || (*latest)->visit_id != visit_id);
  clear_presence(customer_id, closed ? visit_id : std::string{}, hold_until);
  (void)deps_.last_seen.forget(customer_id, cutoff);
  return Outcome::kDropped;
}

void LeaveDetectionUseCase::clear_presence(const std::string& customer_id, const std::string& visit_id,
                                           domain::Timestamp hold_until) {
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto record = deps_.presence.load(customer_id);
    if (!record) return;
    const bool in_closed_visit = !visit_id.empty() && record->presence && record->presence->visit_id == visit_id;
    const bool our_hold = hold_until != domain::Timestamp{} && record->ledger_hold_until == hold_until;
    if (!in_closed_visit && !our_hold) return;
    domain::PresenceRecord cleared = *record;
    if (in_closed_visit) {
      // The resolver's readings are older than leave_after, far past any
      // smoothing window: the next visit starts from scratch.
      cleared = domain::PresenceRecord{};
      cleared.version = record->version;
      cleared.cache_epoch = record->cache_epoch;
      if (!our_hold) cleared.ledger_hold_until = record->ledger_hold_until;  // someone else's: keep it
    } else {
      cleared.ledger_hold_until = {};
    }
    cleared.confirmed = false;
    auto saved = deps_.presence.save(customer_id, cleared);
    // kAborted: a sighting saved in between; look again (it may still carry
    // the closed visit). Anything else: the presence TTL and the next sweep
    // take over.
    if (saved || saved.error().code != ErrorCode::kAborted) return;
  }
}

}  // namespace tastesync::application
