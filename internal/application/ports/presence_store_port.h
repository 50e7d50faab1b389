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
  // For a store other instances read (Redis): whatever the stored record's
  // version, it stops being trusted — unconfirmed, held until at least
  // `hold_until`, its version moved on so that no writer that read it before
  // can confirm it. A writer that must change the ledger while it cannot
  // place its hold by compare-and-set (Redis seemed out of reach from here)
  // says so this way first, so that another instance that still reaches
  // Redis asks the ledger instead of trusting what it reads there. Nothing
  // stored: nothing to do. The default has no other readers.
  virtual domain::Result<void> distrust(const std::string& /*customer_id*/, domain::Timestamp /*hold_until*/) {
    return {};
  }
};

}  // namespace tastesync::application
