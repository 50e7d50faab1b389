#include "application/use_cases/store_analytics_use_case.h"

#include <gtest/gtest.h>

#include "mocks/fake_store_analytics.h"
#include "mocks/in_memory_ports.h"
#include "support/test_floor_plan.h"

namespace tastesync::testing {
namespace {

using application::Principal;
using application::Role;

const Principal kWaiter{"waiter", Role::kStaff, "bistro", {}};

class StoreAnalyticsTest : public ::testing::Test {
 protected:
  StoreAnalyticsTest() : registry_(test_floor_plan()), use_case_(registry_, port_) {}

  domain::Error refused(const application::StoreAnalyticsRequest& request) {
    auto result = use_case_.analytics(kWaiter, request);
    EXPECT_FALSE(result);
    return result ? domain::Error{} : result.error();
  }

  InMemoryBeaconRegistry registry_;
  FakeStoreAnalytics port_;
  application::StoreAnalyticsUseCase use_case_;
};

TEST_F(StoreAnalyticsTest, OneDayInUtcWhenOnlyTheFirstDayIsGiven) {
  auto figures = use_case_.analytics(kWaiter, {"bistro", "2026-03-14", "", ""});
  ASSERT_TRUE(figures) << figures.error().message;
  EXPECT_EQ(port_.asked.to_date, "2026-03-14");
  EXPECT_EQ(port_.asked.time_zone, "UTC");
}

TEST_F(StoreAnalyticsTest, NoDayMeansTodayInTheStoresTimeZone) {
  ASSERT_TRUE(use_case_.analytics(kWaiter, {"bistro", "", "", "Europe/Paris"}));
  EXPECT_EQ(port_.asked.from_date, "");
  EXPECT_EQ(port_.asked.to_date, "");
  EXPECT_EQ(refused({"bistro", "", "2026-03-14", ""}).field, "to_date");
}

TEST_F(StoreAnalyticsTest, EveryTableIsListedWithItsLabel) {
  port_.answer.tables.push_back({"table-2", "", 0.5, 3, 3.0});
  auto figures = use_case_.analytics(kWaiter, {"bistro", "2026-03-14", "2026-03-14", "Europe/Paris"});
  ASSERT_TRUE(figures);
  ASSERT_EQ(figures->tables.size(), 4U);
  EXPECT_EQ(figures->tables[1].label, "Table 2");
  EXPECT_EQ(figures->tables[1].sittings, 3U);
  EXPECT_EQ(figures->tables[0].sittings, 0U);
}

TEST_F(StoreAnalyticsTest, EachBadFieldIsNamed) {
  EXPECT_EQ(refused({"bistro", "yesterday", "", ""}).field, "from_date");
  EXPECT_EQ(refused({"bistro", "2026-02-30", "", ""}).field, "from_date");
  EXPECT_EQ(refused({"bistro", "2026-03-14", "2026-03-13", ""}).field, "to_date");
  EXPECT_EQ(refused({"bistro", "2025-01-01", "2026-01-02", ""}).field, "to_date");
  EXPECT_EQ(refused({"bistro", "2026-03-14", "", "Paris; DROP"}).field, "time_zone");
}

TEST_F(StoreAnalyticsTest, AdminsAreToldWhichStoreIdIsBad) {
  auto result = use_case_.analytics({"owner", Role::kAdmin, "", {}}, {"bistro!", "2026-03-14", "", ""});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().field, "store_id");
}

TEST_F(StoreAnalyticsTest, StaffOfAnotherStoreAreRefused) {
  auto result = use_case_.analytics(kWaiter, {"cafe", "2026-03-14", "", ""});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, domain::ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace tastesync::testing
