#pragma once

#include "application/ports/beacon_registry_port.h"
#include "application/ports/principal.h"
#include "application/ports/store_analytics_port.h"
#include "domain/error.h"

namespace tastesync::application {

struct StoreAnalyticsRequest {
  std::string store_id;
  std::string from_date;  // YYYY-MM-DD; empty (and to_date too): today in time_zone
  std::string to_date;    // empty: from_date
  std::string time_zone;  // empty: UTC
};

// How an evening went, from the ledger: admins any store, staff their own.
class StoreAnalyticsUseCase final {
 public:
  // A year and a day: the longest range the figures are asked for.
  static constexpr int kMaxDays = 366;

  // Both ports outlive this object.
  StoreAnalyticsUseCase(const BeaconRegistryPort& registry, const StoreAnalyticsPort& analytics);

  // Checks the caller, then every field (each error names it), then asks
  // the port; table labels come from the floor plan.
  domain::Result<StoreAnalytics> analytics(const Principal& caller, const StoreAnalyticsRequest& request) const;

 private:
  const BeaconRegistryPort& registry_;
  const StoreAnalyticsPort& analytics_;
};

}  // namespace tastesync::application
