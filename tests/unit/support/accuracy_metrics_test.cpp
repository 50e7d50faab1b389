#include "support/accuracy_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tastesync::testing {
namespace {

using namespace std::chrono_literals;

constexpr domain::Timestamp kT0{std::chrono::seconds{1'700'000'000}};

// A hand-made track, one report a second: `plan` gives the truth per report
// ('E' waiting at the entrance, '-' walking, a digit seated at that table;
// a second run of seated digits after a walk is the second seating), and
// `answers` the resolver's answer per report ('E', a digit, or '.' for none).
CustomerTrack track(const std::string& plan, const std::string& answers) {
  CustomerTrack t;
  int seating = -1;
  bool was_seated = false;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    Truth truth;
    const char c = plan[i];
    if (c == 'E') {
      truth = Truth{Activity::kWaiting, "entrance", -1};
    } else if (c == '-') {
      truth = Truth{Activity::kWalking, "", -1};
    } else {
      if (!was_seated) ++seating;
      truth = Truth{Activity::kSeated, "table-" + std::string(1, c), seating};
    }
    was_seated = truth.activity == Activity::kSeated;
    const char a = answers.at(i);
    const std::string answered = a == '.' ? "" : a == 'E' ? "entrance" : "table-" + std::string(1, a);
    t.points.push_back(TrackPoint{kT0 + std::chrono::seconds{i}, truth, answered});
  }
  return t;
}

TEST(AccuracyMetrics, CountsSeatedAccuracyOnlyAfterSettling) {
  // Seated at table 3 for 10 reports; placed on the 3rd, wrong once afterwards.
  const std::vector<CustomerTrack> tracks{track("EE--3333333333-", ".E--1133323333E")};
  const AccuracyMetrics m = measure(tracks, 3s);
  // Reports 3 s or more after sitting: the last 7 of the seating, one wrong.
  EXPECT_EQ(m.seated_reports, 7u);
  EXPECT_EQ(m.seated_reports_right, 6u);
  EXPECT_NEAR(m.seated_accuracy(), 6.0 / 7.0, 1e-12);
  ASSERT_EQ(m.arrival_reports.values, std::vector<double>{3.0});
  EXPECT_EQ(m.arrival_seconds.values, std::vector<double>{2.0});
  // The entrance answered on the second report at the entrance.
  EXPECT_EQ(m.entrance_reports.values, std::vector<double>{2.0});
  // 3 -> 2 and 2 -> 3 after placement: two flaps; the 1 -> 3 arrival is not one.
  EXPECT_EQ(m.flaps, 2u);
  EXPECT_EQ(m.customers, 1u);
  EXPECT_EQ(m.customers_without_flaps, 0u);
  EXPECT_NEAR(m.seated_hours, 10.0 / 3600.0, 1e-12);
}

TEST(AccuracyMetrics, NeverPlacedAndNeverAtTheEntranceAreNotNumbers) {
  const std::vector<CustomerTrack> tracks{
      track("EE-4444", "11-5555"),  // never at the entrance, never at table 4, no change while seated
      track("EE-2222", "EE-2222"),  // everything right at once
  };
  const AccuracyMetrics m = measure(tracks, 3s);
  EXPECT_EQ(m.entrance_reports.never, 1u);
  EXPECT_EQ(m.entrance_reports.values, std::vector<double>{1.0});
  EXPECT_EQ(m.arrival_reports.never, 1u);
  EXPECT_EQ(m.arrival_reports.values, std::vector<double>{1.0});
  EXPECT_DOUBLE_EQ(m.arrival_reports.share_within(2.0), 0.5);
  EXPECT_EQ(m.arrival_reports.quantile(0.5), 1.0);
  EXPECT_EQ(m.arrival_reports.quantile(0.9), std::nullopt);  // falls on "never"
  EXPECT_EQ(m.flaps, 0u);
  EXPECT_EQ(m.customers_without_flaps, 2u);
  EXPECT_DOUBLE_EQ(m.share_without_flaps(), 1.0);
  EXPECT_EQ(m.seated_reports, 2u);  // the 4th report of each 4-report seating
  EXPECT_EQ(m.seated_reports_right, 1u);
}

TEST(AccuracyMetrics, ATableChangeIsASecondArrivalNotAFlap) {
  // Table 1, walk, table 2; the resolver follows the change one report late.
  const std::vector<CustomerTrack> tracks{track("E111111-222222", "E111111-122222")};
  const AccuracyMetrics m = measure(tracks, 3s);
  EXPECT_EQ(m.arrival_reports.values, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(m.flaps, 0u);
  EXPECT_EQ(m.seated_reports, 6u);  // 3 per seating of 6
  EXPECT_EQ(m.seated_reports_right, 6u);
  EXPECT_NEAR(m.flaps_per_hour(), 0.0, 1e-12);
}

TEST(AccuracyMetrics, QuantilesUseTheNearestRank) {
  Delays d;
  d.values = {1, 1, 2, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(d.quantile(0.5), 3.0);
  EXPECT_EQ(d.quantile(0.9), 7.0);
  EXPECT_EQ(d.quantile(1.0), 8.0);
  EXPECT_DOUBLE_EQ(d.share_within(2.0), 0.4);
  EXPECT_EQ(Delays{}.quantile(0.5), std::nullopt);
}

TEST(AccuracyMetrics, LeaveDelayStartsOneReportAfterTheLastOne) {
  const CustomerTrack t = track("E11-", "E11E");
  // Last report at +3 s, so gone at +4 s; detected at +634 s.
  EXPECT_DOUBLE_EQ(leave_delay_seconds(t, 1000ms, kT0 + 634s), 630.0);
}

TEST(StoreSimulator, SameSeedSameTracksAndCustomersFollowTheirScript) {
  SimulationSettings settings;
  settings.customers = 5;
  settings.first_stay = std::chrono::seconds{60};
  settings.second_stay = std::chrono::seconds{30};
  settings.change_table_share = 1.0;  // everyone changes table once
  settings.store.body_shadow_db = 5.0;
  settings.store.drop_probability = 0.1;
  const domain::ZoneResolver service;
  StoreSimulator a(settings);
  StoreSimulator b(settings);
  const auto first = a.run(path_loss_resolver(service));
  const auto second = b.run(path_loss_resolver(service));
  ASSERT_EQ(first.size(), 5u);
  ASSERT_EQ(second.size(), 5u);
  for (std::size_t c = 0; c < first.size(); ++c) {
    ASSERT_EQ(first[c].points.size(), second[c].points.size());
    for (std::size_t i = 0; i < first[c].points.size(); ++i)
      EXPECT_EQ(first[c].points[i].answered, second[c].points[i].answered);
    // Waits at the entrance, sits at two different tables for 60 and 30 reports, leaves walking.
    const auto& p = first[c].points;
    EXPECT_EQ(p.front().truth.activity, Activity::kWaiting);
    EXPECT_EQ(p.back().truth.activity, Activity::kWalking);
    std::vector<std::string> tables;
    std::size_t seated = 0;
    for (const auto& point : p) {
      if (point.truth.activity != Activity::kSeated) continue;
      ++seated;
      if (tables.empty() || tables.back() != point.truth.zone_id) tables.push_back(point.truth.zone_id);
    }
    EXPECT_EQ(seated, 90u);
    ASSERT_EQ(tables.size(), 2u);
    EXPECT_NE(tables[0], tables[1]);
  }
}

TEST(StoreSimulator, BodyShadowAttenuatesBeaconsBehindTheCustomer) {
  SyntheticStoreConfig config;
  config.body_shadow_db = 6.0;
  SyntheticStore store(config);
  const Point phone{10.0, 0.0};  // between the entrance (x=0) and the far tables
  const Point facing_in{1.0, 0.0};
  EXPECT_DOUBLE_EQ(store.body_loss_db(0, phone, facing_in), 6.0);  // entrance right behind
  EXPECT_DOUBLE_EQ(store.body_loss_db(6, phone, facing_in), 0.0);  // table 6 (x=16) right ahead
  EXPECT_DOUBLE_EQ(store.body_loss_db(0, phone, std::nullopt), 0.0);
}

}  // namespace
}  // namespace tastesync::testing
