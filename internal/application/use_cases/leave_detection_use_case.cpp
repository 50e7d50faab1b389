#include "application/use_cases/leave_detection_use_case.h"

#include <optional>
#include <utility>
#include <vector>

#include "domain/customer_identity.h"

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
  std::size_t left = 0;
  for (std::size_t batch = 0; batch < settings_.max_batches; ++batch) {
    auto silent = deps_.last_seen.stale(cutoff, settings_.batch_size);
    if (!silent) return std::unexpected(silent.error());
    std::size_t settled = 0;  // customers this batch took out of the index
    for (const std::string& customer_id : *silent) {
      auto outcome = leave_if_silent(customer_id, now, cutoff);
      if (!outcome) {
        if (outcome.error().code == ErrorCode::kUnavailable) return std::unexpected(outcome.error());
        continue;  // this customer is retried next sweep; the others need not wait
      }
      if (*outcome == Outcome::kLeft) ++left;
      if (*outcome != Outcome::kKept) ++settled;
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
  // after the cutoff, the index lagged behind it (a save it missed): the
  // customer is here.
  auto record = deps_.presence.load(customer_id);
  if (!record && record.error().code == ErrorCode::kUnavailable) return std::unexpected(record.error());
  if (record && record->presence && record->presence->last_seen > cutoff) {
    (void)deps_.last_seen.touch(customer_id, record->presence->last_seen);
    return Outcome::kKept;
  }

  auto before = deps_.ledger.current(customer_id);
  if (!before) return std::unexpected(before.error());
  if (!*before) {
    // Already left (another instance was first), or never recorded.
    if (record && record->presence) clear_presence(customer_id, record->presence->visit_id);
    (void)deps_.last_seen.forget(customer_id, cutoff);
    return Outcome::kDropped;
  }

  domain::CustomerIdentity identity(customer_id, *before);
  std::vector<domain::DomainEvent> events = identity.leave(now, domain::Signal::kSilence);
  for (domain::DomainEvent& event : events) event.event_id = deps_.ids.next_id();
  const std::string visit_id = (*before)->visit_id;
  auto recorded = deps_.ledger.record(customer_id, *before, std::nullopt, events);
  if (recorded) {
    // The outbox row is committed; publishing only wakes the relay early.
    (void)deps_.events.publish(events);
    clear_presence(customer_id, visit_id);
    (void)deps_.last_seen.forget(customer_id, cutoff);
    return Outcome::kLeft;
  }
  if (recorded.error().code != ErrorCode::kAborted) return std::unexpected(recorded.error());

  // Another instance recorded this leave first, or the customer moved (and
  // so was seen: forget() below then keeps them). Make sure presence does
  // not outlive a visit that is over, in case that instance stopped before
  // clearing it.
  auto latest = deps_.ledger.current(customer_id);
  if (latest && (!*latest || (*latest)->visit_id != visit_id)) clear_presence(customer_id, visit_id);
  (void)deps_.last_seen.forget(customer_id, cutoff);
  return Outcome::kDropped;
}

void LeaveDetectionUseCase::clear_presence(const std::string& customer_id, const std::string& visit_id) {
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto record = deps_.presence.load(customer_id);
    if (!record || !record->presence || record->presence->visit_id != visit_id) return;
    // The resolver's readings are older than leave_after, far past any
    // smoothing window: the next visit starts from scratch.
    domain::PresenceRecord cleared;
    cleared.version = record->version;
    auto saved = deps_.presence.save(customer_id, cleared);
    // kAborted: a sighting saved in between; look again (it may still carry
    // the closed visit). Anything else: the presence TTL and the next sweep
    // take over.
    if (saved || saved.error().code != ErrorCode::kAborted) return;
  }
}

}  // namespace tastesync::application
