#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "application/ports/customer_device_port.h"

namespace tastesync::testing {

// Phones kept in memory, with secrets the test chooses. Safe to use from the
// phone index's background build while the test registers phones. A test may
// hold loads back (`hold_loads`) to see what happens while one is under way.
class InMemoryDevices final : public application::CustomerDeviceStorePort {
 public:
  domain::Result<application::CustomerDevice> add(const std::string& customer_id) override {
    std::scoped_lock lock(mutex_);
    const auto n = static_cast<std::int64_t>(devices_.size() + 1);
    application::CustomerDevice device{customer_id, "phone-" + std::to_string(n), next_secret_, n};
    devices_.push_back(device);
    return device;
  }

  domain::Result<std::vector<application::CustomerDevice>> load_after(std::int64_t seq,
                                                                      std::size_t limit) const override {
    std::unique_lock lock(mutex_);
    ++loads_started_;
    changed_.notify_all();
    // Bounded, so a test that forgets to release cannot hang the suite.
    if (!changed_.wait_for(lock, std::chrono::seconds(30), [this] { return !holding_; })) hold_expired_ = true;
    std::vector<application::CustomerDevice> out;
    for (const auto& d : devices_) {
      if (d.seq > seq && out.size() < limit) out.push_back(d);
    }
    return out;
  }

  void set_next_secret(std::string secret) {
    std::scoped_lock lock(mutex_);
    next_secret_ = std::move(secret);
  }
  void hold_loads() {
    std::scoped_lock lock(mutex_);
    holding_ = true;
  }
  void release_loads() {
    std::scoped_lock lock(mutex_);
    holding_ = false;
    changed_.notify_all();
  }
  // Waits (bounded) until more than `count` loads have started; returns how many have.
  int wait_for_loads_started(int count) const {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(30), [&] { return loads_started_ > count; });
    return loads_started_;
  }
  // True when a held load gave up waiting for release_loads (whoever was
  // meant to release it was blocked behind it).
  bool hold_expired() const {
    std::scoped_lock lock(mutex_);
    return hold_expired_;
  }
  int loads_started() const {
    std::scoped_lock lock(mutex_);
    return loads_started_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  mutable int loads_started_ = 0;
  bool holding_ = false;
  mutable bool hold_expired_ = false;
  std::string next_secret_ = std::string(32, '\x01');
  std::vector<application::CustomerDevice> devices_;
};

}  // namespace tastesync::testing
