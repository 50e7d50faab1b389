#pragma once

// The bytes an outbox row carries for a domain event: exactly what the relay
// sends to Kafka, a serialized events.proto CustomerEvent.

#include <string>

#include "domain/error.h"
#include "domain/events/events.h"

namespace tastesync::infrastructure::db {

std::string outbox_payload(const domain::DomainEvent& event);

// The event back from those bytes (as the floor listener gets them announced).
domain::Result<domain::DomainEvent> event_from_outbox_payload(const std::string& bytes);

}  // namespace tastesync::infrastructure::db
