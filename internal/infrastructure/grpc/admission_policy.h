#pragma once

// Which request the worker pool runs, which it refuses at once and which it
// drops unrun: the decisions alone, with the time handed in, so tests drive
// them without threads or a real clock (worker_pool.h does the queueing).
//
// The target is `max_queue_delay`: no request should start later than that
// after it arrived. The oldest queued request's age alone says too little: a
// burst of arrivals is admitted while the head is still young and then waits
// far longer than the target (1,000 callers admitted within 100 ms behind 8
// workers of 20 ms each wait 2.5 s). So a request is also refused when the
// queue already ahead of it would take longer than the target to drain at
// the rate the pool has been starting requests while it was behind (measured,
// not derived from run times: on a saturated machine the gaps between runs
// count too), and when that wait plus its own run would end after its
// caller's deadline. What slips through (a burst of slow runs) is dropped at
// the head once it has waited longer than the target, or once its caller can
// no longer get the answer in time: no request starts later than the target.

#include <chrono>
#include <cstddef>
#include <optional>

namespace tastesync::infrastructure::grpc_adapter {

// Why a request was not run.
enum class Shed {
  kQueueFull,       // refused: max_queued requests already wait
  kQueueDelay,      // refused: it would wait past max_queue_delay (the queue ahead is too old or too long)
  kNoTimeLeft,      // refused: the wait plus its run would end after its deadline
  kQueueTimeout,    // dropped: it waited longer than max_queue_delay (the estimate was wrong)
  kDeadlinePassed,  // dropped: its deadline passed, or would before it could finish, while it waited
  kCallerGone,      // dropped: its caller cancelled or hung up while it waited
  kStopping,        // refused: the pool is shutting down
};
inline constexpr std::size_t kShedReasons = 7;
const char* to_string(Shed reason);
// True for the reasons that are answered "overloaded, retry later" (as opposed
// to "nobody waits for this answer any more").
bool is_refusal(Shed reason);

struct AdmissionOptions {
  std::size_t workers = 8;
  std::size_t max_queued = 1024;
  std::chrono::milliseconds max_queue_delay{100};
};

class AdmissionPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Duration = Clock::duration;

  explicit AdmissionPolicy(AdmissionOptions options);

  // A new request with `deadline` arrives at `now` behind `queued` requests,
  // the oldest queued at `oldest` (ignored when queued is 0), while `busy`
  // workers run one each. nullopt: queue it; kDeadlinePassed if it arrived
  // expired; otherwise a refusal.
  std::optional<Shed> admit(TimePoint now, std::size_t queued, TimePoint oldest, std::size_t busy,
                            TimePoint deadline) const;

  // The head request, queued at `queued_at`, is about to run at `now`.
  // nullopt: run it; otherwise drop it (its caller learns why).
  std::optional<Shed> take(TimePoint now, TimePoint queued_at, TimePoint deadline, bool caller_gone) const;

  // A worker starts a request at `now`, leaving `still_queued` behind it:
  // feeds the estimate of how often the pool starts one while behind.
  void started(TimePoint now, std::size_t still_queued);
  // A request ran for `took`: feeds the estimate of how long one run takes.
  void ran(Duration took);

  // How long a request arriving behind `queued` others would wait while
  // `busy` workers run; zero while a worker is free.
  Duration expected_wait(std::size_t queued, std::size_t busy) const;
  // The current estimates (moving averages) of one run, and of the time
  // between two starts while requests wait.
  Duration expected_run() const { return run_estimate_; }
  Duration start_interval() const { return interval_estimate_; }

  std::chrono::milliseconds max_queue_delay() const { return options_.max_queue_delay; }

 private:
  AdmissionOptions options_;
  Duration run_estimate_{0};
  bool run_estimated_ = false;
  Duration interval_estimate_{0};
  bool interval_estimated_ = false;
  TimePoint last_start_{};
  bool behind_since_last_start_ = false;  // requests waited all along since it
};

}  // namespace tastesync::infrastructure::grpc_adapter
