#pragma once

// A page's live stream, read like the floor page reads it: a GET of
// server-sent events over HTTPS (libcurl, trusting the dev CA) kept open on a
// thread of its own until the object is destroyed; tests wait for what they
// expect to arrive.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tastesync::testing {

class EventStream {
 public:
  EventStream(int port, const std::string& path, const std::string& token);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Waits until what arrived so far satisfies `done` (or `timeout` passes);
  // returns whether it did.
  bool wait_for(const std::function<bool(const std::string& received)>& done, std::chrono::milliseconds timeout);
  std::string received();

 private:
  static std::size_t append(char* data, std::size_t size, std::size_t count, void* self);
  static int progress(void* self, long long, long long, long long, long long);

  std::mutex mutex_;
  std::condition_variable arrived_;
  std::string received_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tastesync::testing
