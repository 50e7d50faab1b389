// Presence and history survive restarts, instances agree, and the service
// rides out Redis and PostgreSQL outages, against the real server
// binary with real PostgreSQL and Redis started by the project's scripts.

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <thread>

#include "infrastructure/redis/key_layout.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using Caller = DemoCaller;

int port_of(const std::string& url) {
  const auto colon = url.rfind(':');
  return std::stoi(url.substr(colon + 1));
}

std::string count_rows(const std::string& url, const std::string& table, const std::string& customer) {
  return psql(url, "SELECT count(*) FROM " + table + " WHERE customer_id = '" + customer + "'");
}

TEST(Durability, RestartMidVisitKeepsPresenceAndHistory) {
  const std::string customer = unique_customer("restart");
  {
    RunningServer first;
    Caller caller(first, customer);
    v1::IdentifyResponse seated;
    ASSERT_TRUE(caller.at(3, seated).ok());
    ASSERT_EQ(seated.event_ids_size(), 3);
    ASSERT_EQ(first.stop(), 0);
  }
  EXPECT_EQ(count_rows(postgres_url(), "visits", customer), "1");
  EXPECT_EQ(count_rows(postgres_url(), "outbox", customer), "3");

  RunningServer second;
  Caller caller(second, customer);
  v1::IdentifyResponse again;
  ASSERT_TRUE(caller.at(3, again).ok());
  EXPECT_EQ(again.location().zone_id(), "table-3");
  EXPECT_FALSE(again.location_changed());
  EXPECT_EQ(again.event_ids_size(), 0);
  EXPECT_EQ(count_rows(postgres_url(), "outbox", customer), "3");
  EXPECT_EQ(psql(postgres_url(),
                 "SELECT current_zone_id FROM visits WHERE left_at IS NULL AND customer_id = '" + customer + "'"),
            "table-3");
}

TEST(Durability, TwoInstancesRecordEachRealChangeOnce) {
  RunningServer a;
  RunningServer b;
  const std::string customer = unique_customer("twins");
  Caller via_a(a, customer);
  Caller via_b(b, customer);
  // Seated at table 1, then moved to table 4: four events in all
  // (identified, entered, seated, changed table), whichever instance
  // happens to see each sighting.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((i % 2 == 0 ? via_a : via_b).at(1).ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((i % 2 == 0 ? via_b : via_a).at(4).ok());
  EXPECT_EQ(count_rows(postgres_url(), "outbox", customer), "4");
  EXPECT_EQ(count_rows(postgres_url(), "visits", customer), "1");
  // In the order the relay publishes them (seq): one transition's events
  // share occurred_at and created_at, so those cannot order them.
  EXPECT_EQ(psql(postgres_url(),
                 "SELECT string_agg(event_type, ',' ORDER BY seq) FROM outbox "
                 "WHERE customer_id = '" +
                     customer + "'"),
            "CustomerIdentified,CustomerEnteredStore,CustomerSeated,CustomerChangedTable");
}

TEST(Durability, RedisOutageFailsNoRequestAndRedisIsUsedAgainAfterwards) {
  const auto dir = make_server_dir("redis-outage");
  const std::string url = start_redis(dir / "redis");
  ServerOptions options;
  options.redis_url = url;
  RunningServer server(options);
  const std::string customer = unique_customer("redis-outage");
  Caller caller(server, customer);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(caller.at(2).ok());

  stop_redis(dir / "redis");
  const auto outage_started = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    const grpc::Status status = caller.at(i < 5 ? 2 : 4);
    EXPECT_TRUE(status.ok()) << "during the outage: " << status.error_message();
  }
  // The fallback must not cost a timeout per request.
  EXPECT_LT(std::chrono::steady_clock::now() - outage_started, std::chrono::seconds(5));

  ASSERT_EQ(start_redis(dir / "redis"), url);  // the same port again
  bool back = false;
  for (int i = 0; i < 60 && !back; ++i) {
    ASSERT_TRUE(caller.at(4).ok());
    FILE* pipe = popen(("redis-cli -p " + std::to_string(port_of(url)) + " EXISTS '" +
                        infrastructure::redis::keys::presence(customer) + "'")
                           .c_str(),
                       "r");
    std::array<char, 64> out{};
    back =
        pipe != nullptr && fgets(out.data(), out.size(), pipe) != nullptr && std::string(out.data()).starts_with("1");
    if (pipe != nullptr) pclose(pipe);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(back) << "the service did not write presence to Redis again after it came back";
  server.stop();
  stop_redis(dir / "redis");
  std::filesystem::remove_all(dir);
}

TEST(Durability, PostgresOutageFailsOnlyTransitionsAndRecoversWithoutRestart) {
  const auto dir = make_server_dir("pg-outage");
  const std::string url = start_postgres(dir / "postgres");
  ServerOptions options;
  options.postgres_url = url;
  RunningServer server(options);
  const std::string customer = unique_customer("pg-outage");
  Caller caller(server, customer);
  ASSERT_TRUE(caller.at(3).ok());

  stop_postgres(dir / "postgres");
  EXPECT_TRUE(caller.at(3).ok()) << "a sighting that changes nothing needs no database";
  grpc::Status moved;
  for (int i = 0; i < 5; ++i) moved = caller.at(1);
  EXPECT_EQ(moved.error_code(), grpc::StatusCode::UNAVAILABLE) << moved.error_message();

  ASSERT_EQ(start_postgres(dir / "postgres"), url);
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    v1::IdentifyResponse response;
    recovered = caller.at(1, response).ok() && response.location().zone_id() == "table-1";
    if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(recovered) << "full service did not return after PostgreSQL came back";
  EXPECT_EQ(count_rows(url, "outbox", customer), "4");
  server.stop();
  stop_postgres(dir / "postgres");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tastesync::testing
