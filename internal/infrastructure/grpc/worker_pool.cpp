#include "infrastructure/grpc/worker_pool.h"

#include <utility>

namespace tastesync::infrastructure::grpc_adapter {

WorkerPool::WorkerPool(WorkerPoolOptions options)
    : options_(std::move(options)),
      policy_(AdmissionOptions{.workers = options_.threads,
                               .max_queued = options_.max_queued,
                               .max_queue_delay = options_.max_queue_delay}) {
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
    } else {
      const auto oldest = queue_.empty() ? now : queue_.front().queued_at;
      refused = policy_.admit(now, queue_.size(), oldest, busy_, job.deadline);
    }
    if (refused) {
      ++shed_[static_cast<std::size_t>(*refused)];
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
    const bool gone = next.job.caller_gone && next.job.caller_gone();
    dropped = policy_.take(options_.now(), next.queued_at, next.job.deadline, gone);
    if (dropped) {
      ++shed_[static_cast<std::size_t>(*dropped)];
    } else {
      ++busy_;
      policy_.started(options_.now(), queue_.size());
    }
  }
  if (dropped) {
    if (next.job.shed) next.job.shed(*dropped);
    return true;
  }
  const auto started = options_.now();
  if (options_.on_wait) options_.on_wait(started - next.queued_at);
  next.job.run();
  const auto took = options_.now() - started;
  std::scoped_lock lock(mutex_);
  --busy_;
  policy_.ran(took);
  return true;
}

std::uint64_t WorkerPool::shed_count(Shed reason) const {
  std::scoped_lock lock(mutex_);
  return shed_[static_cast<std::size_t>(reason)];
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
