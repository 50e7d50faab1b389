#pragma once

// Which request the worker pool runs, which it refuses at once and which it
// drops unrun: the decisions alone, with the time handed in, so tests drive
// them without threads or a real clock (worker_pool.h does the queueing).
//
// The target is `max_queue_delay`: a request should start within that of its
// arrival. Two things look alike from inside the pool and must be told apart
// (CoDel's insight): a standing queue, where more work arrives than the pool
// can do and every request queued only makes the next one later, and a
// passing stall or burst (the machine paused for 150 ms; 48 requests arrived
// at once), which the queue works off by itself. So:
//
// - The wait a request would have is estimated from the queue ahead of it and
//   the pace at which the pool has been starting requests while some waited
//   (measured, not derived from run times: on a saturated machine the gaps
//   between runs count too). The oldest request's age alone says too little:
//   a burst admitted while the head is still young waits far longer than the
//   target (1,000 callers behind 16 workers of 20 ms each wait over a second).
// - When the queue has been over the target (by that estimate or by the
//   oldest request's age) for `standing_intervals` targets in a row, the pool
//   is shedding: a request that would wait past the target is refused at
//   once, and one that waited past it anyway is dropped at the head. Shedding
//   ends once arrivals have stayed under the target as long (an emptied
//   queue does not end it: under overload the shedding is what empties it).
// - Beyond doubt at any time: a request that would wait, or a head that has
//   waited, `standing_intervals` targets is refused; so is one that could not
//   finish before its deadline, and a request taken after its caller's
//   deadline (or too close to it to finish), or whose caller left, is dropped.

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>

namespace tastesync::infrastructure::grpc_adapter {

// Why a request was not run.
enum class Shed {
  kQueueFull,       // refused: max_queued requests already wait
  kQueueDelay,      // refused: it would wait past the target while the pool sheds (or far past it)
  kNoTimeLeft,      // refused: the wait plus its run would end after its deadline
  kQueueTimeout,    // dropped: it waited past the target while the pool sheds (or far past it)
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
  // How many targets in a row the queue must stay over (or under) the target
  // before the pool starts (or stops) shedding; also the multiple of the
  // target past which a wait is refused in any case.
  int standing_intervals = 5;
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
  std::optional<Shed> admit(TimePoint now, std::size_t queued, TimePoint oldest, std::size_t busy, TimePoint deadline);

  // The head request, queued at `queued_at`, is about to run at `now`.
  // nullopt: run it; otherwise drop it (its caller learns why).
  std::optional<Shed> take(TimePoint now, TimePoint queued_at, TimePoint deadline, bool caller_gone) const;

  // A worker starts a request at `now`, leaving `still_queued` behind it:
  // feeds the pace estimate.
  void started(TimePoint now, std::size_t still_queued);
  // A request ran for `took`: feeds the estimate of how long one run takes.
  void ran(Duration took);

  // How long a request arriving behind `queued` others would wait while
  // `busy` workers run; zero while a worker is free.
  Duration expected_wait(std::size_t queued, std::size_t busy) const;
  // The current estimates of one run (a moving average), and of the time
  // between two starts while requests wait (the mean of the last
  // kPaceSamples such gaps; zero before the first).
  Duration expected_run() const { return run_estimate_; }
  Duration start_interval() const;
  bool shedding() const { return shedding_; }
  // Starts come in clumps (threads wake together, a core stalls for a few
  // milliseconds): the pace is averaged over this many gaps so that one
  // stall does not read as overload.
  static constexpr std::size_t kPaceSamples = 64;

 private:
  Duration target() const { return options_.max_queue_delay; }
  Duration beyond_doubt() const { return options_.standing_intervals * target(); }
  // Moves the shedding state: the queue is `over` the target at `now`.
  void observe(TimePoint now, bool over);

  AdmissionOptions options_;
  Duration run_estimate_{0};
  bool run_estimated_ = false;
  std::array<Duration, kPaceSamples> gaps_{};  // a ring of the last gaps
  std::size_t gap_count_ = 0;                  // gaps recorded, up to kPaceSamples
  std::size_t next_gap_ = 0;                   // where the next one goes
  Duration gap_sum_{0};
  TimePoint last_start_{};
  bool behind_since_last_start_ = false;  // requests waited all along since it
  bool shedding_ = false;
  std::optional<TimePoint> over_since_;   // over the target without a break since
  std::optional<TimePoint> under_since_;  // while shedding: under it without a break since
};

}  // namespace tastesync::infrastructure::grpc_adapter
