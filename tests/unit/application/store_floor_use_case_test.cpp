#include "application/use_cases/store_floor_use_case.h"

#include <gtest/gtest.h>

#include "mocks/fake_floor_events.h"
#include "mocks/in_memory_ports.h"
#include "support/test_floor_plan.h"

namespace tastesync::testing {
namespace {

using application::Principal;
using application::Role;

const Principal kWaiter{"waiter", Role::kStaff, "bistro", {}};
const Principal kRivalWaiter{"rival", Role::kStaff, "cafe", {}};
const Principal kAdmin{"owner", Role::kAdmin, "", {}};
const Principal kCustomer{"alice", Role::kCustomer, "", {}};

domain::Presence at_table(const std::string& zone) {
  const auto now = domain::Clock::now();
  return domain::Presence{"visit-1", "bistro", zone, domain::ZoneKind::kTable, now, now, now};
}

class StoreFloorTest : public ::testing::Test {
 protected:
  StoreFloorTest() : registry_(test_floor_plan()), floor_(registry_, ledger_, customers_, feed_) {
    (void)customers_.add({"alice", "Alice Martin", "+33612345678", "alice@example.com"});
    (void)ledger_.record("alice", std::nullopt, at_table("table-3"), {}, std::nullopt);
    feed_.confidence["alice"] = 0.9;
  }

  InMemoryBeaconRegistry registry_;
  InMemoryVisitLedger ledger_;
  InMemoryCustomerDirectory customers_;
  FakeFloorEvents feed_;
  application::StoreFloorUseCase floor_;
};

TEST_F(StoreFloorTest, StaffSeeTheirStoreByDisplayNameOnly) {
  auto floor = floor_.floor(kWaiter, "bistro");
  ASSERT_TRUE(floor) << floor.error().message;
  EXPECT_EQ(floor->store_name, "Bistro");
  EXPECT_EQ(floor->zones.size(), 5U);
  ASSERT_EQ(floor->customers.size(), 1U);
  EXPECT_EQ(floor->customers[0].display_name, "Alice Martin");
  EXPECT_EQ(floor->customers[0].zone_id, "table-3");
  EXPECT_EQ(floor->customers[0].confidence, 0.9);
}

TEST_F(StoreFloorTest, StaffOfAnotherStoreAndCustomersAreRefused) {
  EXPECT_EQ(floor_.floor(kRivalWaiter, "bistro").error().code, domain::ErrorCode::kPermissionDenied);
  EXPECT_EQ(floor_.floor(kCustomer, "bistro").error().code, domain::ErrorCode::kPermissionDenied);
  EXPECT_EQ(floor_.watch(kRivalWaiter, "bistro", [](const auto&) {}).error().code,
            domain::ErrorCode::kPermissionDenied);
  EXPECT_FALSE(feed_.watched("bistro"));
}

TEST_F(StoreFloorTest, AdminsSeeAnyStoreAndAnUnknownStoreIsNamed) {
  EXPECT_TRUE(floor_.floor(kAdmin, "cafe"));
  const auto unknown = floor_.floor(kAdmin, "nowhere");
  EXPECT_EQ(unknown.error().code, domain::ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().field, "store_id");
}

TEST_F(StoreFloorTest, WatchersGetEachChangeWithTheDisplayName) {
  std::vector<application::FloorChange> changes;
  auto subscription = floor_.watch(kWaiter, "bistro", [&](const auto& change) { changes.push_back(change); });
  ASSERT_TRUE(subscription);
  domain::DomainEvent moved;
  moved.type = domain::EventType::kCustomerChangedTable;
  moved.customer_id = "alice";
  moved.store_id = "bistro";
  moved.zone_id = "table-1";
  moved.previous_zone_id = "table-3";
  moved.confidence = 0.8;
  domain::DomainEvent identified = moved;
  identified.type = domain::EventType::kCustomerIdentified;  // repeats "arrived": not shown
  feed_.emit(identified);
  feed_.emit(moved);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].kind, "moved");
  EXPECT_EQ(changes[0].customer.display_name, "Alice Martin");
  EXPECT_EQ(changes[0].customer.zone_id, "table-1");
  EXPECT_EQ(changes[0].previous_zone_id, "table-3");
  EXPECT_EQ(changes[0].customer.confidence, 0.8);
}

TEST_F(StoreFloorTest, AGapInTheFeedIsPassedOnToTheWatcher) {
  int resyncs = 0;
  auto subscription = floor_.watch(
      kWaiter, "bistro", [](const auto&) {}, [&] { ++resyncs; });
  ASSERT_TRUE(subscription);
  feed_.resync("bistro");
  EXPECT_EQ(resyncs, 1);
}

}  // namespace
}  // namespace tastesync::testing
