#pragma once

#include <string>

#include "domain/entities/presence.h"
#include "domain/error.h"

namespace tastesync::application {

// Per-customer presence and resolver state.
class PresenceStorePort {
 public:
  virtual ~PresenceStorePort() = default;
  // A customer never seen yields a default record (version 0).
  virtual domain::Result<domain::PresenceRecord> load(const std::string& customer_id) = 0;
  // Stores `record` if the stored version still equals `record.version`, and
  // bumps it; otherwise kAborted (another instance saved first).
  virtual domain::Result<void> save(const std::string& customer_id, const domain::PresenceRecord& record) = 0;
};

}  // namespace tastesync::application
