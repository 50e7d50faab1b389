#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tastesync::infrastructure {

// Runs `body` on a thread of its own every `interval` (the first run one
// interval after start()), until stop(). A run that throws is logged and
// the task goes on. stop() interrupts the wait, not a run in progress.
class PeriodicTask {
 public:
  PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> body);
  ~PeriodicTask();  // stops
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void start();
  void stop();

 private:
  void run();

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> body_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tastesync::infrastructure
