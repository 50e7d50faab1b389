#include "infrastructure/grpc/admission_policy.h"

#include <algorithm>

namespace tastesync::infrastructure::grpc_adapter {

const char* to_string(Shed reason) {
  switch (reason) {
    case Shed::kQueueFull: return "queue_full";
    case Shed::kQueueDelay: return "queue_delay";
    case Shed::kNoTimeLeft: return "no_time_left";
    case Shed::kQueueTimeout: return "queue_timeout";
    case Shed::kDeadlinePassed: return "deadline_passed";
    case Shed::kCallerGone: return "caller_gone";
    case Shed::kStopping: return "stopping";
  }
  return "unknown";
}

bool is_refusal(Shed reason) { return reason != Shed::kDeadlinePassed && reason != Shed::kCallerGone; }

AdmissionPolicy::AdmissionPolicy(AdmissionOptions options) : options_(options) {
  options_.workers = std::max<std::size_t>(1, options_.workers);
  options_.standing_intervals = std::max(1, options_.standing_intervals);
}

AdmissionPolicy::Duration AdmissionPolicy::expected_wait(std::size_t queued, std::size_t busy) const {
  // The request starts once enough workers have come free for everyone
  // queued ahead of it and then for itself.
  const std::size_t occupied = busy + queued;
  if (occupied < options_.workers) return Duration::zero();
  const auto starts_needed = static_cast<Duration::rep>(occupied - options_.workers + 1);
  if (gap_count_ > 0) return start_interval() * starts_needed;
  // Not yet measured: W workers running `run` each start one every run / W.
  return run_estimate_ * starts_needed / static_cast<Duration::rep>(options_.workers);
}

void AdmissionPolicy::observe(TimePoint now, bool over) {
  if (over) {
    under_since_.reset();
    if (!over_since_) over_since_ = now;
    if (now - *over_since_ >= beyond_doubt()) shedding_ = true;
    return;
  }
  over_since_.reset();
  if (!shedding_) return;
  if (!under_since_) under_since_ = now;
  if (now - *under_since_ >= beyond_doubt()) shedding_ = false;
}

std::optional<Shed> AdmissionPolicy::admit(TimePoint now, std::size_t queued, TimePoint oldest, std::size_t busy,
                                           TimePoint deadline) {
  // Expired on arrival (a zero timeout, or a long way to the server): not
  // an overload, and no retry will help.
  if (deadline != TimePoint::max() && now >= deadline) return Shed::kDeadlinePassed;
  if (queued >= options_.max_queued) return Shed::kQueueFull;
  const Duration oldest_waited = queued > 0 ? now - oldest : Duration::zero();
  const Duration wait = expected_wait(queued, busy);
  const bool over = oldest_waited > target() || wait > target();
  observe(now, over);
  if (oldest_waited > beyond_doubt() || wait > beyond_doubt()) return Shed::kQueueDelay;
  if (shedding_ && over) return Shed::kQueueDelay;
  // Run now or never: an answer after the deadline is worth nothing, and a
  // transition recorded then is one the caller was told did not happen.
  if (deadline != TimePoint::max() && now + wait + run_estimate_ > deadline) return Shed::kNoTimeLeft;
  return std::nullopt;
}

std::optional<Shed> AdmissionPolicy::take(TimePoint now, TimePoint queued_at, TimePoint deadline,
                                          bool caller_gone) const {
  // Checked when the request is taken, not when it was queued: what matters
  // is whether anyone still waits for the answer now.
  if (deadline != TimePoint::max() && now + run_estimate_ > deadline) return Shed::kDeadlinePassed;
  if (caller_gone) return Shed::kCallerGone;
  const Duration waited = now - queued_at;
  if (waited > beyond_doubt() || (shedding_ && waited > target())) return Shed::kQueueTimeout;
  return std::nullopt;
}

void AdmissionPolicy::started(TimePoint now, std::size_t still_queued) {
  // Only a gap during which requests waited the whole time measures how fast
  // the pool works; a gap with an empty queue measures how fast work came.
  if (behind_since_last_start_) {
    const Duration gap = std::max(now - last_start_, Duration::zero());
    gap_sum_ += gap - gaps_[next_gap_];  // the slot holds zero until the ring is full
    gaps_[next_gap_] = gap;
    next_gap_ = (next_gap_ + 1) % kPaceSamples;
    gap_count_ = std::min(gap_count_ + 1, kPaceSamples);
  }
  last_start_ = now;
  behind_since_last_start_ = still_queued > 0;
  // An emptied queue does not end shedding: under a standing overload it is
  // the shedding that empties it, and the next wave of retries would wait
  // five targets again before being shed. Shedding ends once arrivals have
  // stayed under the target for five targets (observe()).
}

AdmissionPolicy::Duration AdmissionPolicy::start_interval() const {
  if (gap_count_ == 0) return Duration::zero();
  return gap_sum_ / static_cast<Duration::rep>(gap_count_);
}

void AdmissionPolicy::ran(Duration took) {
  took = std::max(took, Duration::zero());
  if (!run_estimated_) {
    run_estimate_ = took;
    run_estimated_ = true;
    return;
  }
  // A moving average over roughly the last 8 runs: it only decides whether a
  // request can still finish before its deadline, so it may follow a change
  // of load quickly.
  run_estimate_ += (took - run_estimate_) / 8;
}

}  // namespace tastesync::infrastructure::grpc_adapter
