#pragma once

// The bytes an outbox row carries for a domain event: exactly what the relay
// sends to Kafka, a serialized events.proto CustomerEvent.

#include <string>

#include "domain/events/events.h"

namespace tastesync::infrastructure::db {

std::string outbox_payload(const domain::DomainEvent& event);

}  // namespace tastesync::infrastructure::db
