#pragma once

// Runs request handlers that block on PostgreSQL or Redis off gRPC's own
// callback threads. gRPC's callback API expects handlers not to block; a
// blocked callback thread stops the server from reading other requests, so
// 64 requests in flight would queue behind one Redis round trip at a time.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tastesync::infrastructure::grpc_adapter {

class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();  // finishes queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when max_queued tasks already wait: the caller sheds the request
  // instead of letting latency grow without bound.
  bool post(std::function<void()> task);

 private:
  void run();

  std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
