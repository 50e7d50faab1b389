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

FloorFeed::FloorFeed(application::EventPublisherPort& next) : next_(next), thread_([this] { deliver_loop(); }) {}

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
      if (event.type == domain::EventType::kCustomerLeftStore) {
        confidence_.erase(event.customer_id);
      } else {
        if (confidence_.size() >= kMaxRemembered) confidence_.clear();
        confidence_[event.customer_id] = event.confidence;
      }
      if (queue_.size() >= kMaxQueued) queue_.pop_front();
      queue_.push_back(event);
    }
  }
  wake_.notify_one();
  return passed_on;
}

std::unique_ptr<application::FloorEventsPort::Subscription> FloorFeed::subscribe(const std::string& store_id,
                                                                                 Listener listener) {
  std::scoped_lock lock(delivering_);
  const std::uint64_t id = next_id_++;
  listeners_.emplace(id, std::make_pair(store_id, std::move(listener)));
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
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch.swap(queue_);
    }
    std::scoped_lock lock(delivering_);
    for (const domain::DomainEvent& event : batch) {
      for (const auto& [id, entry] : listeners_) {
        if (entry.first != event.store_id) continue;
        try {
          entry.second(event);
        } catch (const std::exception& e) {
          log::warn("floor_feed.listener_failed", {{"reason", e.what()}});
        }
      }
    }
  }
}

}  // namespace tastesync::infrastructure::live
