#pragma once

#include <optional>
#include <string>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"
#include "domain/entities/zone.h"
#include "domain/error.h"

namespace tastesync::application {

// An owner's correction of a zone (UpdateZone): each value given replaces the
// stored one, each nullopt keeps it.
struct ZoneChange {
  std::string store_id;
  std::string zone_id;
  std::optional<std::string> label = std::nullopt;
  std::optional<domain::ZoneLayout> layout = std::nullopt;
  std::optional<domain::FloorPosition> position = std::nullopt;
};

// Changes to the stores' floor plans. The adapter behind it also serves
// BeaconRegistryPort and refreshes every instance's snapshot after a change.
class RegistryAdminPort {
 public:
  virtual ~RegistryAdminPort() = default;
  // kAlreadyExists when the id is taken.
  virtual domain::Result<void> create_store(const domain::Store& store) = 0;
  // kNotFound for an unknown store; kAlreadyExists for a zone id taken in it.
  virtual domain::Result<void> add_zone(const domain::Zone& zone) = 0;
  // Replaces what `change` gives of a zone, keeps the rest; kNotFound for a
  // zone the store does not have.
  virtual domain::Result<void> update_zone(const ZoneChange& change) = 0;
  // kNotFound for an unknown store or a zone of another store;
  // kAlreadyExists when (uuid, major, minor) is registered (and not retired).
  virtual domain::Result<void> register_beacon(const domain::Beacon& beacon) = 0;
  // kNotFound when no such active beacon.
  virtual domain::Result<void> retire_beacon(const domain::BeaconKey& key) = 0;
  // Writes calibration samples (callers have checked their zones and
  // beacons), combined with the store's as `mode` says, all or nothing.
  // kNotFound for an unknown store.
  virtual domain::Result<void> write_fingerprints(const domain::StoreFingerprints& fingerprints,
                                                  domain::CalibrationMode mode) = 0;
};

}  // namespace tastesync::application
