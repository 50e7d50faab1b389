#include "domain/aggregates/customer_identity.h"

#include <utility>

namespace tastesync::domain {

CustomerIdentity::CustomerIdentity(std::string customer_id, std::optional<Presence> presence)
    : customer_id_(std::move(customer_id)), presence_(std::move(presence)) {}

DomainEvent CustomerIdentity::event(EventType type, const Zone& zone, Signal signal, double confidence,
                                    Timestamp at) const {
  DomainEvent e;
  e.type = type;
  e.occurred_at = at;
  e.customer_id = customer_id_;
  e.visit_id = presence_ ? presence_->visit_id : std::string{};
  e.store_id = zone.store_id;
  e.zone_id = zone.id;
  e.confidence = confidence;
  e.signal = signal;
  return e;
}

std::vector<DomainEvent> CustomerIdentity::place_at(const Zone& zone, Signal signal, double confidence, Timestamp at,
                                                    const IdSource& new_visit_id) {
  std::vector<DomainEvent> events;
  if (presence_ && presence_->store_id != zone.store_id) {
    // Seen in another store: that visit is over.
    events = leave(at, signal);
  }
  if (!presence_) {
    presence_ = Presence{new_visit_id(), zone.store_id, zone.id, zone.kind, at, at, at};
    events.push_back(event(EventType::kCustomerIdentified, zone, signal, confidence, at));
    events.push_back(event(EventType::kCustomerEnteredStore, zone, signal, confidence, at));
    if (zone.kind == ZoneKind::kTable)
      events.push_back(event(EventType::kCustomerSeated, zone, signal, confidence, at));
    return events;
  }

  Presence& here = *presence_;
  here.last_seen = at;
  if (here.zone_id == zone.id) return events;

  const std::string previous_zone = here.zone_id;
  const ZoneKind previous_kind = here.zone_kind;
  here.zone_id = zone.id;
  here.zone_kind = zone.kind;
  here.zone_since = at;
  if (zone.kind == ZoneKind::kEntrance) return events;  // see the header: presence only

  if (previous_kind == ZoneKind::kTable) {
    DomainEvent moved = event(EventType::kCustomerChangedTable, zone, signal, confidence, at);
    moved.previous_zone_id = previous_zone;
    events.push_back(std::move(moved));
  } else {
    events.push_back(event(EventType::kCustomerSeated, zone, signal, confidence, at));
  }
  return events;
}

std::vector<DomainEvent> CustomerIdentity::leave(Timestamp at, Signal signal) {
  std::vector<DomainEvent> events;
  if (!presence_) return events;
  const Zone last{presence_->zone_id, presence_->store_id, presence_->zone_kind, {}};
  events.push_back(event(EventType::kCustomerLeftStore, last, signal, 1.0, at));
  presence_.reset();
  return events;
}

void CustomerIdentity::touch(Timestamp at) {
  if (presence_) presence_->last_seen = at;
}

}  // namespace tastesync::domain
