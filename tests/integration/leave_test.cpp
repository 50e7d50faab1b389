// Leaving by silence against the real server binary, real
// PostgreSQL and Redis: a customer not seen for presence.leave_after_seconds
// leaves, the visit is closed and exactly one CustomerLeftStore row is in
// the outbox, also with two instances sweeping.
//
// Each test has a Redis of its own: the last-seen index is shared by every
// server on a Redis, and the short leave timeout used here must not end the
// visits of other suites' customers.

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

// The suite's shared PostgreSQL.
std::string psql(const std::string& sql) { return tastesync::testing::psql(postgres_url(), sql); }

using namespace std::chrono_literals;

std::string closed_visits(const std::string& customer) {
  return psql("SELECT count(*) FROM visits WHERE left_at IS NOT NULL AND customer_id = '" + customer + "'");
}
std::string open_visits(const std::string& customer) {
  return psql("SELECT count(*) FROM visits WHERE left_at IS NULL AND customer_id = '" + customer + "'");
}
std::string left_events(const std::string& customer) {
  return psql("SELECT count(*) FROM outbox WHERE event_type = 'CustomerLeftStore' AND customer_id = '" + customer +
              "'");
}

// Polls `done` until it holds or `limit` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

// One report with table `minor`'s beacon strongest; returns the event count.
int seen_at(const RunningServer& server, const std::string& customer, unsigned minor) {
  static int sent = 0;
  auto stub = v1::CustomerIdentification::NewStub(server.channel());
  v1::IdentifyRequest request;
  request.set_request_id(customer + "-" + std::to_string(++sent));
  add_demo_report(request, minor);
  v1::IdentifyResponse response;
  const grpc::Status status = stub->Identify(authorized(token_for(customer)).get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.event_ids_size();
}

class LeaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_server_dir("leave");
    options_.redis_url = start_redis(dir_ / "redis");
    options_.environment = {{"CUSTOMER_ID_PRESENCE_LEAVE_AFTER_SECONDS", "2"},
                            {"CUSTOMER_ID_PRESENCE_SWEEP_INTERVAL_SECONDS", "1"}};
  }
  void TearDown() override {
    servers_.clear();
    stop_redis(dir_ / "redis");
    std::filesystem::remove_all(dir_);
  }
  RunningServer& start_server() { return *servers_.emplace_back(std::make_unique<RunningServer>(options_)); }

  std::filesystem::path dir_;
  ServerOptions options_;
  std::vector<std::unique_ptr<RunningServer>> servers_;
};

TEST_F(LeaveTest, ASilentCustomerLeavesOnceAndTheNextSightingStartsANewVisit) {
  RunningServer& server = start_server();
  const std::string customer = unique_customer("leave");
  ASSERT_EQ(seen_at(server, customer, 3), 3);  // identified, entered, seated
  ASSERT_EQ(open_visits(customer), "1");

  EXPECT_TRUE(eventually([&] { return closed_visits(customer) == "1" && left_events(customer) == "1"; }))
      << "closed visits: " << closed_visits(customer) << ", CustomerLeftStore rows: " << left_events(customer);
  EXPECT_EQ(open_visits(customer), "0");
  EXPECT_EQ(
      psql("SELECT store_id FROM outbox WHERE event_type = 'CustomerLeftStore' AND customer_id = '" + customer + "'"),
      "demo-bistro");
  // The leave is a transition out of the last zone.
  EXPECT_EQ(
      psql("SELECT from_zone_id FROM zone_transitions WHERE to_zone_id IS NULL AND customer_id = '" + customer + "'"),
      "table-3");
  // Further sweeps find nothing more to do.
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(left_events(customer), "1");

  // Back at the same table: a new visit.
  EXPECT_EQ(seen_at(server, customer, 3), 3);
  EXPECT_EQ(open_visits(customer), "1");
  EXPECT_EQ(closed_visits(customer), "1");
}

TEST_F(LeaveTest, ACustomerStillSeenDoesNotLeave) {
  RunningServer& server = start_server();
  const std::string customer = unique_customer("stays");
  ASSERT_EQ(seen_at(server, customer, 2), 3);
  // Seen every 500 ms for 4 s: twice the timeout, never silent for it.
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(seen_at(server, customer, 2), 0);
  }
  EXPECT_EQ(open_visits(customer), "1");
  EXPECT_EQ(left_events(customer), "0");
}

TEST_F(LeaveTest, TwoInstancesSweepingLeaveEachCustomerOnce) {
  RunningServer& a = start_server();
  RunningServer& b = start_server();
  std::vector<std::string> customers;
  for (int i = 0; i < 6; ++i) {
    customers.push_back(unique_customer("twin-leave-" + std::to_string(i)));
    ASSERT_EQ(seen_at(i % 2 == 0 ? a : b, customers.back(), static_cast<unsigned>(1 + i % 4)), 3);
  }
  for (const std::string& customer : customers) {
    EXPECT_TRUE(eventually([&] { return closed_visits(customer) == "1"; })) << customer;
  }
  // A few more sweeps by both, then count.
  std::this_thread::sleep_for(2500ms);
  for (const std::string& customer : customers) {
    EXPECT_EQ(left_events(customer), "1") << customer;
    EXPECT_EQ(open_visits(customer), "0") << customer;
  }
}

}  // namespace
}  // namespace tastesync::testing
