// The identification core without transport: what one Identify costs in the
// use case (validation, registry lookups, resolver, presence, idempotency)
// with the in-memory adapters, next to a floor-plan lookup as the baseline.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "application/use_cases/identify_customer_use_case.h"
#include "infrastructure/local/composite_request_state.h"
#include "infrastructure/system/system_clock.h"
#include "infrastructure/system/uuid_v7_generator.h"
#include "mocks/in_memory_ports.h"

namespace {

using namespace tastesync;

constexpr const char* kUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";

domain::FloorPlan demo_plan() {
  domain::Store store{"bistro", "Bistro", {{"entrance", "", domain::ZoneKind::kEntrance, "Entrance"}}};
  std::vector<domain::Beacon> beacons{{{*domain::BeaconUuid::parse(kUuid), 100, 0}, "bistro", "entrance", -59, 0.0}};
  for (int t = 1; t <= 4; ++t) {
    const std::string id = "table-" + std::to_string(t);
    store.zones.push_back({id, "", domain::ZoneKind::kTable, "Table " + std::to_string(t)});
    beacons.push_back(
        {{*domain::BeaconUuid::parse(kUuid), 100, static_cast<std::uint16_t>(t)}, "bistro", id, -59, 0.0});
  }
  return *domain::FloorPlan::build({store}, beacons);
}

class NoQr final : public application::TableQrVerifierPort {
 public:
  domain::Result<application::TableQrClaim> verify(std::string_view) const override {
    return domain::fail(domain::ErrorCode::kInvalidArgument, "no QR in this benchmark");
  }
};

void BM_FloorPlanLookup(benchmark::State& state) {
  const domain::FloorPlan plan = demo_plan();
  const domain::BeaconKey key{*domain::BeaconUuid::parse(kUuid), 100, 3};
  for (auto _ : state) benchmark::DoNotOptimize(plan.find_beacon(key));
}
BENCHMARK(BM_FloorPlanLookup);

// A customer seated at table 3 reporting 5 beacons: the steady state.
void BM_IdentifyWithFiveSightings(benchmark::State& state) {
  infrastructure::SystemClock clock;
  testing::InMemoryBeaconRegistry registry(demo_plan());
  infrastructure::InMemoryPresenceStore presence;
  testing::InMemoryVisitLedger ledger;
  testing::InMemoryEventPublisher events;
  infrastructure::InMemoryIdempotencyStore idempotency(200000, std::chrono::hours(1), clock);
  infrastructure::CompositeRequestState request_state(presence, idempotency);
  infrastructure::UuidV7Generator ids;
  NoQr qr;
  application::IdentifyCustomerUseCase use_case(
      {registry, presence, ledger, events, idempotency, request_state, qr, clock, ids}, {}, {});
  application::IdentifyRequest request;
  for (unsigned minor = 0; minor <= 4; ++minor) {
    request.sightings.push_back({kUuid, 100, minor, minor == 3 ? -52 : -80, std::nullopt, std::nullopt});
  }
  const application::Principal alice{"bench-customer-1", application::Role::kCustomer, "", {}, {}};
  std::uint64_t n = 0;
  for (auto _ : state) {
    request.request_id = "r-" + std::to_string(++n);
    auto response = use_case.identify(alice, request);
    if (!response) state.SkipWithError(response.error().message.c_str());
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_IdentifyWithFiveSightings);

}  // namespace
