#pragma once

// Runs request handlers that block on PostgreSQL or Redis off the transports'
// own threads (gRPC's callback threads, the HTTPS server's I/O threads): a
// blocked callback thread stops the server from reading other requests.
//
// Overload is shed, not queued. A request is refused at once (the caller
// answers UNAVAILABLE / 503 with a retry hint) when the queue is full or
// when the oldest queued request has waited longer than `max_queue_delay`
// for five such intervals in a row (a standing queue, as CoDel tells it from
// a burst): the pool is behind, and queueing more only makes every answer
// late. A request whose deadline passed, or whose caller went away,
// while it waited is not run at all. So admission depends on time spent
// queued, not only on the queue's length, and the answered requests' latency
// stays near max_queue_delay plus their own work however large the overload.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tastesync::infrastructure::grpc_adapter {

// Why a request was not run.
enum class Shed {
  kQueueFull,       // refused: max_queued requests already wait
  kQueueDelay,      // refused: the oldest queued request waited past max_queue_delay
  kDeadlinePassed,  // dropped: its deadline passed while it waited
  kCallerGone,      // dropped: its caller cancelled while it waited
  kStopping,        // refused: the pool is shutting down
};
const char* to_string(Shed reason);

struct WorkerPoolOptions {
  std::size_t threads = 8;
  std::size_t max_queued = 1024;
  std::chrono::milliseconds max_queue_delay{100};
  // Tests drive time; production uses the steady clock.
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
};

struct WorkerJob {
  std::function<void()> run;
  // Answers the caller without running (a dropped job); called on a worker.
  std::function<void(Shed)> shed;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<bool()> caller_gone;  // optional
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool();  // finishes queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // nullopt: accepted, the job will run or be dropped (job.shed). Otherwise
  // refused now, and why: the caller answers at once.
  std::optional<Shed> post(WorkerJob job);

  // How long a refused caller should wait before retrying.
  std::chrono::milliseconds retry_after() const { return options_.max_queue_delay; }

  // Takes the oldest job and runs or drops it; false when none waits. The
  // workers call it; a test with zero threads calls it itself.
  bool run_next();

  // Requests refused or dropped, by reason (for /metrics and tests).
  std::uint64_t shed_count(Shed reason) const;

 private:
  struct Queued {
    WorkerJob job;
    std::chrono::steady_clock::time_point queued_at;
  };
  void work();

  WorkerPoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  // Since when the oldest queued request has been waiting past the target.
  std::optional<std::chrono::steady_clock::time_point> over_target_since_;
  static constexpr int kStandingFor = 5;  // intervals of max_queue_delay
  std::uint64_t shed_[5] = {};
  std::vector<std::thread> threads_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
