#pragma once

// Domain events <-> the Kafka wire format (proto/events.proto). Here, not
// in kafka/, because the outbox (db/) stores the same bytes the relay sends.

#include <string>

#include "domain/error.h"
#include "domain/events/events.h"

namespace tastesync::infrastructure::codec {

inline constexpr const char* kEventContentType =
    "application/x-protobuf; messageType=tastesync.customer_id.events.v1.CustomerEvent";

std::string encode_event(const domain::DomainEvent& event);
domain::Result<domain::DomainEvent> decode_event(const std::string& bytes);

}  // namespace tastesync::infrastructure::codec
