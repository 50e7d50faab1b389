#include "domain/aggregates/customer_identity.h"

#include <gtest/gtest.h>

namespace tastesync::domain {
namespace {

const Timestamp kT0{std::chrono::seconds(1'735'689'600)};
const Zone kEntrance{"entrance", "bistro", ZoneKind::kEntrance, "Entrance"};
const Zone kTable1{"table-1", "bistro", ZoneKind::kTable, "Table 1"};
const Zone kTable2{"table-2", "bistro", ZoneKind::kTable, "Table 2"};
const Zone kCafeTable{"table-1", "cafe", ZoneKind::kTable, "Table 1"};

std::vector<EventType> types(const std::vector<DomainEvent>& events) {
  std::vector<EventType> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

class CustomerIdentityTest : public ::testing::Test {
 protected:
  std::vector<DomainEvent> place(const Zone& zone, int second) {
    return identity_.place_at(zone, Signal::kBeacon, 0.9, kT0 + std::chrono::seconds(second),
                              [this] { return "visit-" + std::to_string(++visits_); });
  }
  CustomerIdentity identity_{"alice", std::nullopt};
  int visits_ = 0;
};

TEST_F(CustomerIdentityTest, EnteringThenSittingIsAVisitWithThreeEvents) {
  EXPECT_EQ(types(place(kEntrance, 0)),
            (std::vector{EventType::kCustomerIdentified, EventType::kCustomerEnteredStore}));
  const auto seated = place(kTable1, 10);
  ASSERT_EQ(types(seated), std::vector{EventType::kCustomerSeated});
  EXPECT_EQ(seated[0].visit_id, "visit-1");
  EXPECT_EQ(seated[0].customer_id, "alice");
  EXPECT_EQ(seated[0].zone_id, "table-1");
  EXPECT_EQ(identity_.presence()->zone_since, kT0 + std::chrono::seconds(10));
  EXPECT_EQ(identity_.presence()->visit_started_at, kT0);
  EXPECT_EQ(visits_, 1);
}

TEST_F(CustomerIdentityTest, FirstSeenAtATableAlsoEntersTheStore) {
  EXPECT_EQ(types(place(kTable2, 0)), (std::vector{EventType::kCustomerIdentified, EventType::kCustomerEnteredStore,
                                                   EventType::kCustomerSeated}));
}

TEST_F(CustomerIdentityTest, SameZoneAgainIsNoEventButRefreshesLastSeen) {
  place(kTable1, 0);
  EXPECT_TRUE(place(kTable1, 30).empty());
  EXPECT_EQ(identity_.presence()->last_seen, kT0 + std::chrono::seconds(30));
  EXPECT_EQ(identity_.presence()->zone_since, kT0);
}

TEST_F(CustomerIdentityTest, MovingBetweenTablesNamesBothTables) {
  place(kTable1, 0);
  const auto moved = place(kTable2, 60);
  ASSERT_EQ(types(moved), std::vector{EventType::kCustomerChangedTable});
  EXPECT_EQ(moved[0].previous_zone_id, "table-1");
  EXPECT_EQ(moved[0].zone_id, "table-2");
}

TEST_F(CustomerIdentityTest, BackToTheEntranceIsPresenceOnlyThenSeatingAgainIsSeated) {
  place(kTable1, 0);
  EXPECT_TRUE(place(kEntrance, 60).empty());
  EXPECT_EQ(identity_.presence()->zone_id, "entrance");
  EXPECT_EQ(types(place(kTable2, 90)), std::vector{EventType::kCustomerSeated});
}

TEST_F(CustomerIdentityTest, AnotherStoreEndsTheVisitAndStartsANewOne) {
  place(kTable1, 0);
  const auto events = place(kCafeTable, 600);
  EXPECT_EQ(types(events), (std::vector{EventType::kCustomerLeftStore, EventType::kCustomerIdentified,
                                        EventType::kCustomerEnteredStore, EventType::kCustomerSeated}));
  EXPECT_EQ(events[0].store_id, "bistro");
  EXPECT_EQ(events[0].visit_id, "visit-1");
  EXPECT_EQ(events[1].visit_id, "visit-2");
}

TEST_F(CustomerIdentityTest, LeavingEndsPresenceOnceOnly) {
  place(kTable1, 0);
  EXPECT_EQ(types(identity_.leave(kT0 + std::chrono::minutes(20))), std::vector{EventType::kCustomerLeftStore});
  EXPECT_FALSE(identity_.presence().has_value());
  EXPECT_TRUE(identity_.leave(kT0 + std::chrono::minutes(21)).empty());
}

}  // namespace
}  // namespace tastesync::domain
