#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "application/ports/beacon_registry_port.h"
#include "application/ports/customer_directory_port.h"
#include "application/ports/floor_events_port.h"
#include "application/ports/principal.h"
#include "application/ports/visit_ledger_port.h"
#include "domain/entities/zone.h"
#include "domain/error.h"

namespace tastesync::application {

// Someone present, as staff see them: a display name, never phone or e-mail.
struct FloorCustomer {
  std::string customer_id;
  std::string display_name;  // empty when the customer registered none
  std::string zone_id;
  domain::Timestamp since{};
  domain::Timestamp last_seen{};
  std::optional<double> confidence;  // of the answer that placed them, when known here
};

struct StoreFloor {
  std::string store_id;
  std::string store_name;
  std::vector<domain::Zone> zones;       // in the floor plan's order
  std::vector<FloorCustomer> customers;  // by zone, then customer id
};

// One change of the floor, for the page's timeline and map.
struct FloorChange {
  // "arrived", "seated", "moved" (to another table) or "left".
  std::string kind;
  FloorCustomer customer;        // where they are now (for "left": where they were)
  std::string previous_zone_id;  // "moved" only
  domain::Timestamp at{};
};

// The live floor page's reads: who is where now, and each change as it
// commits. Admins any store, staff their own.
class StoreFloorUseCase final {
 public:
  using Watcher = std::function<void(const FloorChange&)>;

  // All ports outlive this object.
  StoreFloorUseCase(const BeaconRegistryPort& registry, const VisitLedgerPort& ledger,
                    const CustomerDirectoryPort& customers, FloorEventsPort& feed);

  domain::Result<StoreFloor> floor(const Principal& caller, const std::string& store_id) const;

  // Checks the caller and the store, then calls `watcher` for each change
  // until the subscription is destroyed (on the feed's thread), and `resync`
  // when changes may have been missed (the caller reads floor() again).
  domain::Result<std::unique_ptr<FloorEventsPort::Subscription>> watch(const Principal& caller,
                                                                       const std::string& store_id, Watcher watcher,
                                                                       FloorEventsPort::Resync resync = {});

 private:
  domain::Result<void> admit(const Principal& caller, const std::string& store_id, const char* operation) const;
  std::string display_name(const std::string& customer_id) const;

  const BeaconRegistryPort& registry_;
  const VisitLedgerPort& ledger_;
  const CustomerDirectoryPort& customers_;
  FloorEventsPort& feed_;
};

}  // namespace tastesync::application
