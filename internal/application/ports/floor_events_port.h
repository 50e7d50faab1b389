#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "domain/events/events.h"

namespace tastesync::application {

// A store's transitions as this process commits them, for the live floor
// page. Not durable and not shared between instances (Kafka is both): a
// listener sees what happens while it listens, on the instance it is on.
class FloorEventsPort {
 public:
  using Listener = std::function<void(const domain::DomainEvent&)>;

  // Ends a subscription when destroyed; no call of its listener starts after.
  class Subscription {
   public:
    virtual ~Subscription() = default;
  };

  virtual ~FloorEventsPort() = default;

  // `listener` is called for each event of `store_id`, in commit order, on a
  // thread of the feed's (never the caller's of Identify): it must only hand
  // the event on.
  virtual std::unique_ptr<Subscription> subscribe(const std::string& store_id, Listener listener) = 0;

  // The confidence of the latest answer that placed the customer, when this
  // process gave it.
  virtual std::optional<double> placement_confidence(const std::string& customer_id) const = 0;
};

}  // namespace tastesync::application
