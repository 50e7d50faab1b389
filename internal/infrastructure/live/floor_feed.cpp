#include "infrastructure/live/floor_feed.h"

#include <utility>
#include <vector>

#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::live {

class FloorFeed::Handle final : public Subscription {
 public:
  Handle(FloorFeed& feed, std::uint64_t id) : feed_(feed), id_(id) {}
  ~Handle() override { feed_.unsubscribe(id_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

 private:
  FloorFeed& feed_;
  std::uint64_t id_;
};

FloorFeed::FloorFeed(application::EventPublisherPort& next, Fanout fanout)
    : next_(next), fanout_(fanout), thread_([this] { deliver_loop(); }) {}

FloorFeed::~FloorFeed() {
  {
    std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

domain::Result<void> FloorFeed::publish(const std::vector<domain::DomainEvent>& events) {
  auto passed_on = next_.publish(events);
  {
    std::scoped_lock lock(mutex_);
    for (const domain::DomainEvent& event : events) {
      remember(event);
      if (fanout_ == Fanout::kPublished) enqueue(event);
    }
  }
  if (fanout_ == Fanout::kPublished) wake_.notify_one();
  return passed_on;
}

void FloorFeed::announce(const domain::DomainEvent& event) {
  {
    std::scoped_lock lock(mutex_);
    remember(event);
    enqueue(event);
  }
  wake_.notify_one();
}

void FloorFeed::resync() {
  {
    std::scoped_lock lock(mutex_);
    resync_due_ = true;
  }
  wake_.notify_one();
}

void FloorFeed::remember(const domain::DomainEvent& event) {
  if (event.type == domain::EventType::kCustomerLeftStore) {
    confidence_.erase(event.customer_id);
  } else {
    if (confidence_.size() >= kMaxRemembered) confidence_.clear();
    confidence_[event.customer_id] = event.confidence;
  }
}

void FloorFeed::enqueue(const domain::DomainEvent& event) {
  if (queue_.size() >= kMaxQueued) {
    queue_.pop_front();
    resync_due_ = true;  // the watchers would otherwise never hear of it
  }
  queue_.push_back(event);
}

std::unique_ptr<application::FloorEventsPort::Subscription> FloorFeed::subscribe(const std::string& store_id,
                                                                                 Listener listener, Resync resync) {
  std::scoped_lock lock(delivering_);
  const std::uint64_t id = next_id_++;
  listeners_.emplace(id, Watcher{store_id, std::move(listener), std::move(resync)});
  return std::make_unique<Handle>(*this, id);
}

void FloorFeed::unsubscribe(std::uint64_t id) {
  std::scoped_lock lock(delivering_);
  listeners_.erase(id);
}

std::optional<double> FloorFeed::placement_confidence(const std::string& customer_id) const {
  std::scoped_lock lock(mutex_);
  const auto it = confidence_.find(customer_id);
  if (it == confidence_.end()) return std::nullopt;
  return it->second;
}

void FloorFeed::deliver_loop() {
  for (;;) {
    std::deque<domain::DomainEvent> batch;
    bool resync_first = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || resync_due_ || !queue_.empty(); });
      if (stopping_) return;
      batch.swap(queue_);
      resync_first = std::exchange(resync_due_, false);
    }
    std::scoped_lock lock(delivering_);
    // The resync goes before what is queued: a watcher that reloads the
    // floor and then applies these changes ends where the ledger is.
    for (const auto& [id, watcher] : listeners_) {
      if (!resync_first || !watcher.resync) continue;
      try {
        watcher.resync();
      } catch (const std::exception& e) {
        log::warn("floor_feed.listener_failed", {{"reason", e.what()}});
      }
    }
    for (const domain::DomainEvent& event : batch) {
      for (const auto& [id, watcher] : listeners_) {
        if (watcher.store_id != event.store_id) continue;
        try {
          watcher.listener(event);
        } catch (const std::exception& e) {
          log::warn("floor_feed.listener_failed", {{"reason", e.what()}});
        }
      }
    }
  }
}

}  // namespace tastesync::infrastructure::live
