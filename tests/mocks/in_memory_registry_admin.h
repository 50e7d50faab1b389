#pragma once

#include <mutex>

#include "application/ports/registry_admin_port.h"
#include "mocks/in_memory_ports.h"

namespace tastesync::testing {

// Floor-plan changes for the no-database mode and unit tests. Each change
// builds a whole new FloorPlan (current one plus the change, checked by
// FloorPlan::build) and swaps it into the registry, so readers never see a
// half-applied change and a rejected change leaves the registry untouched.
class InMemoryRegistryAdmin final : public application::RegistryAdminPort {
 public:
  // `registry` outlives this object.
  explicit InMemoryRegistryAdmin(InMemoryBeaconRegistry& registry);

  domain::Result<void> create_store(const domain::Store& store) override;
  domain::Result<void> add_zone(const domain::Zone& zone) override;
  domain::Result<void> update_zone(const application::ZoneChange& change) override;
  domain::Result<void> register_beacon(const domain::Beacon& beacon) override;
  domain::Result<void> retire_beacon(const domain::BeaconKey& key) override;
  domain::Result<void> write_fingerprints(const domain::StoreFingerprints& fingerprints,
                                          domain::CalibrationMode mode) override;

 private:
  // Keeps the current plan's fingerprints unless `fingerprints` is given.
  domain::Result<void> publish(std::vector<domain::Store> stores, std::vector<domain::Beacon> beacons,
                               const std::vector<domain::StoreFingerprints>* fingerprints = nullptr);

  InMemoryBeaconRegistry& registry_;
  // Serialises read-modify-replace; lookups on the hot path never take it.
  std::mutex mutex_;
};

}  // namespace tastesync::testing
