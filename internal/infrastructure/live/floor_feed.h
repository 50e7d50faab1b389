#pragma once

// The in-process publish behind the live floor page: the use cases hand their
// committed events to the EventPublisherPort, and this decorator passes them
// on (the outbox relay's wake-up, for Kafka) and to the pages watching that
// store. Delivery is on a thread of its own, so a slow page never delays an
// Identify; a page that falls more than kMaxQueued events behind loses the
// oldest (it reloads the floor when it reconnects).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "application/ports/event_publisher_port.h"
#include "application/ports/floor_events_port.h"

namespace tastesync::infrastructure::live {

class FloorFeed final : public application::EventPublisherPort, public application::FloorEventsPort {
 public:
  static constexpr std::size_t kMaxQueued = 10000;
  // Confidences remembered; past it the map starts over (a page then shows
  // "—" for those customers until their next move).
  static constexpr std::size_t kMaxRemembered = 100000;

  // `next` outlives the feed.
  explicit FloorFeed(application::EventPublisherPort& next);
  ~FloorFeed() override;
  FloorFeed(const FloorFeed&) = delete;
  FloorFeed& operator=(const FloorFeed&) = delete;

  domain::Result<void> publish(const std::vector<domain::DomainEvent>& events) override;
  std::unique_ptr<Subscription> subscribe(const std::string& store_id, Listener listener) override;
  std::optional<double> placement_confidence(const std::string& customer_id) const override;

 private:
  class Handle;
  void deliver_loop();
  void unsubscribe(std::uint64_t id);

  application::EventPublisherPort& next_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<domain::DomainEvent> queue_;
  bool stopping_ = false;
  std::unordered_map<std::string, double> confidence_;
  // Held while listeners run, so a subscription ends only between two calls.
  std::mutex delivering_;
  std::map<std::uint64_t, std::pair<std::string, Listener>> listeners_;
  std::uint64_t next_id_ = 1;
  std::thread thread_;
};

}  // namespace tastesync::infrastructure::live
