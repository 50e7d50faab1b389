#include "infrastructure/db/outbox_payload.h"

#include "infrastructure/kafka/event_codec.h"

namespace tastesync::infrastructure::db {

std::string outbox_payload(const domain::DomainEvent& event) { return kafka::encode_event(event); }

}  // namespace tastesync::infrastructure::db
