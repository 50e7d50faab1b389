#include "infrastructure/system/periodic_task.h"

#include <exception>
#include <utility>

#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure {

PeriodicTask::PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> body)
    : name_(std::move(name)),
      interval_(interval.count() > 0 ? interval : std::chrono::milliseconds(1)),
      body_(std::move(body)) {}

PeriodicTask::~PeriodicTask() { stop(); }

void PeriodicTask::start() {
  std::scoped_lock lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void PeriodicTask::stop() {
  {
    std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void PeriodicTask::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      body_();
    } catch (const std::exception& e) {
      log::error("periodic_task.failed", {{"task", name_}, {"reason", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace tastesync::infrastructure
