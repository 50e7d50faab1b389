#pragma once

// A FloorEventsPort that delivers on the caller's thread when a test calls
// emit() or resync(), and remembers confidences a test sets.

#include <map>
#include <memory>
#include <string>

#include "application/ports/floor_events_port.h"

namespace tastesync::testing {

class FakeFloorEvents final : public application::FloorEventsPort {
 public:
  std::unique_ptr<Subscription> subscribe(const std::string& store_id, Listener listener, Resync resync) override {
    listeners_[store_id] = std::move(listener);
    resyncs_[store_id] = std::move(resync);
    return std::make_unique<Subscription>();
  }
  std::optional<double> placement_confidence(const std::string& customer_id) const override {
    const auto it = confidence.find(customer_id);
    if (it == confidence.end()) return std::nullopt;
    return it->second;
  }
  void emit(const domain::DomainEvent& event) {
    const auto it = listeners_.find(event.store_id);
    if (it != listeners_.end()) it->second(event);
  }
  void resync(const std::string& store_id) {
    const auto it = resyncs_.find(store_id);
    if (it != resyncs_.end()) it->second();
  }
  bool watched(const std::string& store_id) const { return listeners_.contains(store_id); }

  std::map<std::string, double> confidence;

 private:
  std::map<std::string, Listener> listeners_;
  std::map<std::string, Resync> resyncs_;
};

}  // namespace tastesync::testing
