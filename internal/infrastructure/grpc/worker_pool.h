#pragma once

// Runs request handlers that block on PostgreSQL or Redis off the transports'
// own threads (gRPC's callback threads, the HTTPS server's I/O threads): a
// blocked callback thread stops the server from reading other requests.
//
// Overload is shed, not queued. Once the queue stands over `max_queue_delay`
// (not for a passing burst or stall), a request that would wait longer than
// that for a worker is refused at once (the caller answers UNAVAILABLE / 503
// with a retry hint), and so is one that could not finish before its
// deadline; a request whose deadline passed, or whose caller went away,
// while it waited is not run at all (admission_policy.h has the rules). So
// the answered requests' latency stays near max_queue_delay plus their own
// work however large the overload.

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

#include "infrastructure/grpc/admission_policy.h"

namespace tastesync::infrastructure::grpc_adapter {

struct WorkerPoolOptions {
  // Requests in progress at once. Beyond what PostgreSQL and Redis serve in
  // parallel, more threads only queue inside the handlers (for a database
  // connection, for a core), where admission cannot see the wait.
  std::size_t threads = 8;
  std::size_t max_queued = 1024;
  std::chrono::milliseconds max_queue_delay{100};
  // Told how long each job that runs waited (for /metrics); optional.
  std::function<void(std::chrono::steady_clock::duration)> on_wait;
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
  AdmissionPolicy policy_;
  std::size_t busy_ = 0;  // jobs running now
  bool stopping_ = false;
  std::uint64_t shed_[kShedReasons] = {};
  std::vector<std::thread> threads_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
