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
}

AdmissionPolicy::Duration AdmissionPolicy::expected_wait(std::size_t queued, std::size_t busy) const {
  // The request starts once enough workers have come free for everyone
  // queued ahead of it and then for itself.
  const std::size_t occupied = busy + queued;
  if (occupied < options_.workers) return Duration::zero();
  const auto starts_needed = static_cast<Duration::rep>(occupied - options_.workers + 1);
  if (interval_estimated_) return interval_estimate_ * starts_needed;
  // Not yet measured: W workers running `run` each start one every run / W.
  return run_estimate_ * starts_needed / static_cast<Duration::rep>(options_.workers);
}

std::optional<Shed> AdmissionPolicy::admit(TimePoint now, std::size_t queued, TimePoint oldest, std::size_t busy,
                                           TimePoint deadline) const {
  // Expired on arrival (a zero timeout, or a long way to the server): not
  // an overload, and no retry will help.
  if (deadline != TimePoint::max() && now >= deadline) return Shed::kDeadlinePassed;
  if (queued >= options_.max_queued) return Shed::kQueueFull;
  // A standing queue: the pool has been behind for a while.
  if (queued > 0 && now - oldest > options_.max_queue_delay) return Shed::kQueueDelay;
  // A burst: the head is young, but what is ahead would take too long.
  const Duration wait = expected_wait(queued, busy);
  if (wait > options_.max_queue_delay) return Shed::kQueueDelay;
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
  if (now - queued_at > options_.max_queue_delay) return Shed::kQueueTimeout;
  return std::nullopt;
}

namespace {

// A moving average over roughly the last 8 samples: quick to follow a change
// of load, steady enough not to swing on one slow request.
void average_in(AdmissionPolicy::Duration sample, AdmissionPolicy::Duration& estimate, bool& estimated) {
  sample = std::max(sample, AdmissionPolicy::Duration::zero());
  if (!estimated) {
    estimate = sample;
    estimated = true;
    return;
  }
  estimate += (sample - estimate) / 8;
}

}  // namespace

void AdmissionPolicy::started(TimePoint now, std::size_t still_queued) {
  // Only a gap during which requests waited the whole time measures how fast
  // the pool works; a gap with an empty queue measures how fast work came.
  if (behind_since_last_start_) average_in(now - last_start_, interval_estimate_, interval_estimated_);
  last_start_ = now;
  behind_since_last_start_ = still_queued > 0;
}

void AdmissionPolicy::ran(Duration took) { average_in(took, run_estimate_, run_estimated_); }

}  // namespace tastesync::infrastructure::grpc_adapter
