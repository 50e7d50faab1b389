#pragma once

#include <string>

#include "application/ports/id_generator_port.h"
#include "util/uuid.h"

namespace tastesync::infrastructure {

// Ids for visits and events: UUIDv7, time-ordered, so the outbox and the
// ledger's indexes stay append-mostly.
class UuidV7Generator final : public application::IdGeneratorPort {
 public:
  std::string next_id() override { return util::new_uuid_v7(); }
};

}  // namespace tastesync::infrastructure
