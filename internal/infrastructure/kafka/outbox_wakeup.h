#pragma once

// The EventPublisherPort the use cases call after a transition: the events
// are already in the outbox (written in the transition's transaction), so
// publishing only wakes the relay to send them now rather than at its next
// poll. Without Kafka (no relay) it does nothing: the events wait in the
// outbox.

#include <vector>

#include "application/ports/event_publisher_port.h"
#include "infrastructure/kafka/outbox_relay.h"

namespace tastesync::infrastructure::kafka {

class OutboxWakeup final : public application::EventPublisherPort {
 public:
  explicit OutboxWakeup(OutboxRelay* relay) : relay_(relay) {}
  domain::Result<void> publish(const std::vector<domain::DomainEvent>&) override {
    if (relay_ != nullptr) relay_->wake();
    return {};
  }

 private:
  OutboxRelay* relay_;
};

}  // namespace tastesync::infrastructure::kafka
