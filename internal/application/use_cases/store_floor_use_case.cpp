#include "application/use_cases/store_floor_use_case.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "application/use_cases/admin_validation.h"
#include "application/use_cases/store_access.h"
#include "domain/entities/floor_plan.h"

namespace tastesync::application {
namespace {

// What the page calls each event; nullopt for the ones it does not show
// (CustomerIdentified repeats CustomerEnteredStore).
std::optional<std::string> change_kind(domain::EventType type) {
  switch (type) {
    case domain::EventType::kCustomerEnteredStore: return "arrived";
    case domain::EventType::kCustomerSeated: return "seated";
    case domain::EventType::kCustomerChangedTable: return "moved";
    case domain::EventType::kCustomerLeftStore: return "left";
    case domain::EventType::kCustomerIdentified: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

StoreFloorUseCase::StoreFloorUseCase(const BeaconRegistryPort& registry, const VisitLedgerPort& ledger,
                                     const CustomerDirectoryPort& customers, FloorEventsPort& feed)
    : registry_(registry), ledger_(ledger), customers_(customers), feed_(feed) {}

domain::Result<void> StoreFloorUseCase::admit(const Principal& caller, const std::string& store_id,
                                              const char* operation) const {
  if (auto ok = require_store_reader(caller, store_id, operation); !ok) return ok;
  if (auto ok = validate_id(store_id, "store_id"); !ok) return ok;
  if (registry_.current()->find_store(store_id) == nullptr) {
    return domain::fail(domain::ErrorCode::kNotFound, "store '" + store_id + "' is not registered", "store_id");
  }
  return {};
}

// Only the display name leaves the directory: phone and e-mail stay behind.
// A directory that cannot answer leaves the name empty rather than hiding
// the customer from staff.
std::string StoreFloorUseCase::display_name(const std::string& customer_id) const {
  auto found = customers_.find(customer_id);
  if (!found || !*found) return {};
  return (*found)->display_name;
}

domain::Result<StoreFloor> StoreFloorUseCase::floor(const Principal& caller, const std::string& store_id) const {
  if (auto ok = admit(caller, store_id, "GetStoreFloor"); !ok) return std::unexpected(ok.error());
  const domain::FloorPlanPtr plan = registry_.current();
  const domain::Store* store = plan->find_store(store_id);
  if (store == nullptr) {
    return domain::fail(domain::ErrorCode::kNotFound, "store '" + store_id + "' is not registered", "store_id");
  }
  auto present = ledger_.in_store(store_id);
  if (!present) return std::unexpected(present.error());

  StoreFloor floor{store->id, store->name, store->zones, {}};
  floor.customers.reserve(present->size());
  for (const domain::CustomerPresence& entry : *present) {
    floor.customers.push_back(FloorCustomer{entry.customer_id, display_name(entry.customer_id), entry.presence.zone_id,
                                            entry.presence.zone_since, entry.presence.last_seen,
                                            feed_.placement_confidence(entry.customer_id)});
  }
  std::sort(floor.customers.begin(), floor.customers.end(), [](const FloorCustomer& a, const FloorCustomer& b) {
    return std::tie(a.zone_id, a.customer_id) < std::tie(b.zone_id, b.customer_id);
  });
  return floor;
}

domain::Result<std::unique_ptr<FloorEventsPort::Subscription>> StoreFloorUseCase::watch(
    const Principal& caller, const std::string& store_id, Watcher watcher, FloorEventsPort::Resync resync) {
  if (auto ok = admit(caller, store_id, "WatchStoreFloor"); !ok) return std::unexpected(ok.error());
  return feed_.subscribe(
      store_id,
      [this, watcher = std::move(watcher)](const domain::DomainEvent& event) {
        const auto kind = change_kind(event.type);
        if (!kind) return;
        FloorChange change{*kind,
                           FloorCustomer{event.customer_id, display_name(event.customer_id), event.zone_id,
                                         event.occurred_at, event.occurred_at, event.confidence},
                           event.previous_zone_id, event.occurred_at};
        if (event.type == domain::EventType::kCustomerLeftStore) change.customer.confidence.reset();
        watcher(change);
      },
      std::move(resync));
}

}  // namespace tastesync::application
