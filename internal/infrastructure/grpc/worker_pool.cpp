#include "infrastructure/grpc/worker_pool.h"

#include <utility>

namespace tastesync::infrastructure::grpc_adapter {

const char* to_string(Shed reason) {
  switch (reason) {
    case Shed::kQueueFull: return "queue_full";
    case Shed::kQueueDelay: return "queue_delay";
    case Shed::kDeadlinePassed: return "deadline_passed";
    case Shed::kCallerGone: return "caller_gone";
    case Shed::kStopping: return "stopping";
  }
  return "unknown";
}

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(std::move(options)) {
  threads_.reserve(options_.threads);
  for (std::size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

std::optional<Shed> WorkerPool::post(WorkerJob job) {
  const auto now = options_.now();
  {
    std::scoped_lock lock(mutex_);
    std::optional<Shed> refused;
    if (stopping_) {
      refused = Shed::kStopping;
    } else if (queue_.size() >= options_.max_queued) {
      refused = Shed::kQueueFull;
    } else if (!queue_.empty() && now - queue_.front().queued_at > options_.max_queue_delay) {
      // A standing queue, not a burst (CoDel's idea): refuse only once the
      // oldest request has been over the target for a whole interval.
      if (!over_target_since_) {
        over_target_since_ = now;
      } else if (now - *over_target_since_ > kStandingFor * options_.max_queue_delay) {
        refused = Shed::kQueueDelay;
      }
    } else {
      over_target_since_.reset();
    }
    if (refused) {
      ++shed_[static_cast<int>(*refused)];
      return refused;
    }
    queue_.push_back(Queued{std::move(job), now});
  }
  ready_.notify_one();
  return std::nullopt;
}

bool WorkerPool::run_next() {
  Queued next;
  std::optional<Shed> dropped;
  {
    std::scoped_lock lock(mutex_);
    if (queue_.empty()) return false;
    next = std::move(queue_.front());
    queue_.pop_front();
    // Checked on taking the job, not when it was queued: what matters is
    // whether anyone still waits for the answer now.
    if (options_.now() > next.job.deadline) {
      dropped = Shed::kDeadlinePassed;
    } else if (next.job.caller_gone && next.job.caller_gone()) {
      dropped = Shed::kCallerGone;
    }
    if (dropped) ++shed_[static_cast<int>(*dropped)];
  }
  if (dropped) {
    if (next.job.shed) next.job.shed(*dropped);
  } else {
    next.job.run();
  }
  return true;
}

std::uint64_t WorkerPool::shed_count(Shed reason) const {
  std::scoped_lock lock(mutex_);
  return shed_[static_cast<int>(reason)];
}

void WorkerPool::work() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to finish
    }
    run_next();
  }
}

}  // namespace tastesync::infrastructure::grpc_adapter
