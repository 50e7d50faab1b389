#include "infrastructure/db/outbox_payload.h"

#include "infrastructure/codec/event_codec.h"

namespace tastesync::infrastructure::db {

std::string outbox_payload(const domain::DomainEvent& event) { return codec::encode_event(event); }

domain::Result<domain::DomainEvent> event_from_outbox_payload(const std::string& bytes) {
  return codec::decode_event(bytes);
}

}  // namespace tastesync::infrastructure::db
