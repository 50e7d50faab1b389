#pragma once

#include <vector>

#include "domain/error.h"
#include "domain/events/events.h"

namespace tastesync::application {

// Hands events to the recommendation and notification services (Kafka).
class EventPublisherPort {
 public:
  virtual ~EventPublisherPort() = default;
  virtual domain::Result<void> publish(const std::vector<domain::DomainEvent>& events) = 0;
};

}  // namespace tastesync::application
