#pragma once

// The CustomerIdentity aggregate: one customer's presence within a visit and
// the events its changes cause. Presence moves
//   unknown -> at entrance -> at table N -> (another table) -> left
// and a customer may also be first seen directly at a table (a table QR).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities/presence.h"
#include "domain/entities/zone.h"
#include "domain/events/events.h"

namespace tastesync::domain {

class CustomerIdentity {
 public:
  using IdSource = std::function<std::string()>;

  CustomerIdentity(std::string customer_id, std::optional<Presence> presence);

  // Places the customer in `zone`. Returns the events this causes, in order
  // (empty when nothing changed). `new_visit_id` is called only when a visit
  // starts. Walking back from a table to the entrance updates presence but is
  // not an event: downstream services care about visits and tables, and the
  // customer will either sit again (CustomerSeated) or leave.
  std::vector<DomainEvent> place_at(const Zone& zone, Signal signal, double confidence, Timestamp at,
                                    const IdSource& new_visit_id);

  // Ends the visit: by silence, or because `signal` placed the customer in
  // another store.
  std::vector<DomainEvent> leave(Timestamp at, Signal signal = Signal::kSilence);

  // A sighting that changes nothing still proves the customer is here.
  void touch(Timestamp at);

  const std::string& customer_id() const { return customer_id_; }
  const std::optional<Presence>& presence() const { return presence_; }

 private:
  DomainEvent event(EventType type, const Zone& zone, Signal signal, double confidence, Timestamp at) const;

  std::string customer_id_;
  std::optional<Presence> presence_;
};

}  // namespace tastesync::domain
