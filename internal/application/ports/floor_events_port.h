#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "domain/events/events.h"

namespace tastesync::application {

// A store's transitions as they commit, for the live floor page: every
// instance's when the ledger announces them, else this process's own. Not
// durable (Kafka is): a listener sees what happens while it listens, and is
// told to start again from a fresh floor when the feed may have missed some.
class FloorEventsPort {
 public:
  using Listener = std::function<void(const domain::DomainEvent&)>;
  using Resync = std::function<void()>;

  // Ends a subscription when destroyed; no call of its listener starts after.
  class Subscription {
   public:
    virtual ~Subscription() = default;
  };

  virtual ~FloorEventsPort() = default;

  // `listener` is called for each event of `store_id`, in commit order, on a
  // thread of the feed's (never the caller's of Identify): it must only hand
  // the event on. `resync` is called (on the same thread) after a gap, when
  // events may have been missed: what the listener built so far is stale.
  virtual std::unique_ptr<Subscription> subscribe(const std::string& store_id, Listener listener, Resync resync) = 0;

  // The confidence of the latest answer that placed the customer, when this
  // process heard of it.
  virtual std::optional<double> placement_confidence(const std::string& customer_id) const = 0;
};

}  // namespace tastesync::application
