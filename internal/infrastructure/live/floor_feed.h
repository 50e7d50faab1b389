#pragma once

// The fan-out behind the live floor page. The use cases hand their committed
// events to the EventPublisherPort; this decorator passes them on (the outbox
// relay's wake-up, for Kafka) and, in Fanout::kPublished, to the pages
// watching that store. With several instances (Fanout::kAnnounced) the pages
// get instead what announce() hands in: every instance's events, as the
// ledger announces them (db/postgres_floor_listener.h). Delivery is on a
// thread of its own, so a slow page never delays an Identify; when more than
// kMaxQueued events wait the oldest are dropped and every watcher is told to
// resync, as after resync().

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

  enum class Fanout {
    kPublished,  // what this process publishes (one instance, or no ledger to listen to)
    kAnnounced,  // only what announce() hands in
  };

  // `next` outlives the feed.
  explicit FloorFeed(application::EventPublisherPort& next, Fanout fanout = Fanout::kPublished);
  ~FloorFeed() override;
  FloorFeed(const FloorFeed&) = delete;
  FloorFeed& operator=(const FloorFeed&) = delete;

  domain::Result<void> publish(const std::vector<domain::DomainEvent>& events) override;
  std::unique_ptr<Subscription> subscribe(const std::string& store_id, Listener listener, Resync resync) override;
  std::optional<double> placement_confidence(const std::string& customer_id) const override;

  // An event some instance committed (kAnnounced: the pages' only source).
  void announce(const domain::DomainEvent& event);
  // Events may have been missed: every watcher starts again from the floor.
  void resync();

 private:
  class Handle;
  struct Watcher {
    std::string store_id;
    Listener listener;
    Resync resync;
  };
  void deliver_loop();
  void unsubscribe(std::uint64_t id);
  // With mutex_ held.
  void remember(const domain::DomainEvent& event);
  void enqueue(const domain::DomainEvent& event);

  application::EventPublisherPort& next_;
  const Fanout fanout_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<domain::DomainEvent> queue_;
  bool resync_due_ = false;
  bool stopping_ = false;
  std::unordered_map<std::string, double> confidence_;
  // Held while listeners run, so a subscription ends only between two calls.
  std::mutex delivering_;
  std::map<std::uint64_t, Watcher> listeners_;
  std::uint64_t next_id_ = 1;
  std::thread thread_;
};

}  // namespace tastesync::infrastructure::live
