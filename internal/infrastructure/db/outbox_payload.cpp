#include "infrastructure/db/outbox_payload.h"

#include "infrastructure/codec/event_codec.h"

namespace tastesync::infrastructure::db {

std::string outbox_payload(const domain::DomainEvent& event) { return codec::encode_event(event); }

}  // namespace tastesync::infrastructure::db
