// The live floor with several instances behind a load balancer: a staff
// member's page is open on one instance while the customer's calls reach
// another. The page must show the moves all the same (the ledger announces
// each commit to every instance), and after PostgreSQL restarts, the page is
// told to reload the floor and keeps getting the moves.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "integration/event_stream.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using application::Role;
using namespace std::chrono_literals;

constexpr const char* kEvents = "/v1/stores/demo-bistro/floor/events";

// Whether a change message places `customer` in `zone` (empty: gone).
bool shows(const std::string& received, const std::string& customer, const std::string& zone) {
  std::size_t start = 0;
  for (std::size_t end = received.find("\n\n"); end != std::string::npos;
       start = end + 2, end = received.find("\n\n", start)) {
    const std::string message = received.substr(start, end - start);
    const std::size_t data = message.find("data: ");
    if (!message.starts_with("event: change") || data == std::string::npos) continue;
    const auto change = nlohmann::json::parse(message.substr(data + 6), nullptr, false);
    if (change.is_discarded() || change["customer"].value("customerId", "") != customer) continue;
    if (zone.empty() ? change.value("kind", "") == "left" : change["customer"].value("zoneId", "") == zone) {
      return true;
    }
  }
  return false;
}

std::size_t readies(const std::string& received) {
  std::size_t found = 0;
  for (std::size_t at = received.find("event: ready\n"); at != std::string::npos;
       at = received.find("event: ready\n", at + 1)) {
    ++found;
  }
  return found;
}

// Waits until `server` has logged `event` at least `times` times.
bool logged(const RunningServer& server, const std::string& event, std::size_t times) {
  const std::string quoted = "\"" + event + "\"";
  for (int waited = 0; waited < 300; ++waited) {
    const std::string log = read_text(server.work_dir() / "server.log");
    std::size_t found = 0;
    for (std::size_t at = log.find(quoted); at != std::string::npos; at = log.find(quoted, at + 1)) ++found;
    if (found >= times) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

TEST(FloorAcrossInstances, AMoveIdentifiedOnOneInstanceReachesAPageOnAnother) {
  RunningServer identifying;
  RunningServer watching;
  ASSERT_TRUE(logged(watching, "floor_listener.listening", 1));  // before that, a move reaches the page as a reload
  EventStream page(watching.http_port(), kEvents, token_for("waiter", Role::kStaff, "demo-bistro"));
  ASSERT_TRUE(page.wait_for([](const std::string& r) { return r.find("event: ready\n") != std::string::npos; }, 10s));

  DemoCaller guest(identifying, unique_customer("across"));
  std::vector<std::string> events;
  for (const unsigned table : {2U, 4U, 1U}) {
    ASSERT_TRUE(guest.move_to(table, events).ok());
    const std::string zone = demo_zone(table);
    EXPECT_TRUE(page.wait_for([&](const std::string& r) { return shows(r, guest.customer(), zone); }, 10s))
        << "the page on the other instance never showed " << zone << "; it got:\n"
        << page.received();
  }
}

TEST(FloorAcrossInstances, AfterPostgresRestartsThePageResyncsAndKeepsGettingMoves) {
  const auto dir = make_server_dir("floor-restart");
  const std::string url = start_postgres(dir / "postgres");
  ASSERT_FALSE(url.empty());
  {
    ServerOptions options;
    options.postgres_url = url;
    RunningServer identifying(options);
    RunningServer watching(options);
    // The page opens once the instance listens: its first LISTEN also sends
    // `ready` to the pages already open, which would be taken for the one
    // after the restart below.
    ASSERT_TRUE(logged(watching, "floor_listener.listening", 1));
    EventStream page(watching.http_port(), kEvents, token_for("waiter", Role::kStaff, "demo-bistro"));
    ASSERT_TRUE(page.wait_for([](const std::string& r) { return r.find("event: ready\n") != std::string::npos; }, 10s));
    const std::size_t readies_before = readies(page.received());

    stop_postgres(dir / "postgres");
    ASSERT_EQ(start_postgres(dir / "postgres"), url);  // same port: the servers reconnect by themselves
    // The listener is back: the page is told to reload the floor.
    ASSERT_TRUE(logged(watching, "floor_listener.listening", 2));
    EXPECT_TRUE(page.wait_for([&](const std::string& r) { return readies(r) > readies_before; }, 20s))
        << page.received();

    DemoCaller guest(identifying, unique_customer("restart"));
    std::vector<std::string> events;
    // The instances' pools find the restarted database on their next calls.
    grpc::Status moved;
    for (int attempt = 0; attempt < 20; ++attempt) {
      moved = guest.move_to(3, events);
      if (moved.ok()) break;
      std::this_thread::sleep_for(250ms);
    }
    ASSERT_TRUE(moved.ok()) << moved.error_message();
    EXPECT_TRUE(page.wait_for([&](const std::string& r) { return shows(r, guest.customer(), "table-3"); }, 10s))
        << page.received() << "\nthe page's instance logged:\n"
        << read_text(watching.work_dir() / "server.log") << "\nthe identifying instance logged:\n"
        << read_text(identifying.work_dir() / "server.log");
  }
  stop_postgres(dir / "postgres");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace tastesync::testing
