// gRPC health (readiness) follows PostgreSQL and, for the relaying instance,
// Kafka: a broker unreachable for long with events waiting turns it
// NOT_SERVING, and it comes back by itself. /readyz reports Redis as it is,
// whether or not requests have run into it.

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "integration/https_client.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

// Polls until the server reports `wanted` or the deadline passes.
bool becomes(const RunningServer& server, const std::string& wanted, std::chrono::seconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (health_status(server) == wanted) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

grpc::Status seat(const RunningServer& server, const std::string& customer, unsigned table, const std::string& id) {
  auto stub = v1::CustomerIdentification::NewStub(server.channel());
  v1::IdentifyRequest request;
  request.set_request_id(id);
  add_demo_report(request, table);
  v1::IdentifyResponse response;
  return stub->Identify(authorized(token_for(customer)).get(), request, &response);
}

TEST(Readiness, FollowsKafkaWhenEventsWaitTooLongAndPostgres) {
  // Its own PostgreSQL and Kafka, so this server is the one relaying.
  const auto dir = make_server_dir("readiness");
  const std::string postgres = start_postgres(dir / "postgres");
  DevKafka kafka = start_devkafka(dir / "kafka");
  ServerOptions options;
  options.postgres_url = postgres;
  options.kafka_brokers = kafka.bootstrap;
  options.environment["CUSTOMER_ID_KAFKA_UNREACHABLE_AFTER_SECONDS"] = "2";
  RunningServer server(options);
  const std::string customer = "ready-" + std::to_string(getpid());
  ASSERT_TRUE(seat(server, customer, 1, "r1").ok());
  EXPECT_TRUE(becomes(server, "SERVING", std::chrono::seconds(10)));

  kill(kafka.pid, SIGUSR1);  // brokers down
  ASSERT_TRUE(seat(server, customer, 4, "r2").ok()) << "identification goes on while Kafka is away";
  EXPECT_TRUE(becomes(server, "NOT_SERVING", std::chrono::seconds(30)));
  kill(kafka.pid, SIGUSR2);  // and back
  EXPECT_TRUE(becomes(server, "SERVING", std::chrono::seconds(30)));

  stop_postgres(dir / "postgres");
  EXPECT_TRUE(becomes(server, "NOT_SERVING", std::chrono::seconds(15)));
  ASSERT_EQ(start_postgres(dir / "postgres"), postgres);
  EXPECT_TRUE(becomes(server, "SERVING", std::chrono::seconds(30)));

  server.stop();
  stop_devkafka(kafka);
  stop_postgres(dir / "postgres");
  std::filesystem::remove_all(dir);
}

// What /readyz says about Redis, read until it is `wanted`; how long that
// took is printed (a measurement, not asserted: this machine is shared).
bool redis_becomes(const RunningServer& server, const std::string& wanted, const char* after) {
  const auto started = std::chrono::steady_clock::now();
  HttpsClient client(server.http_port());
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(15)) {
    const HttpAnswer ready = client.get("/readyz");
    if (nlohmann::json::parse(ready.body, nullptr, false).value("redis", std::string()) == wanted) {
      const auto waited =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      std::printf("/readyz said redis %s %lld ms after %s\n", wanted.c_str(), static_cast<long long>(waited.count()),
                  after);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(Readiness, ReportsRedisStoppedAndBackWithoutAnyTraffic) {
  // Its own Redis; no request is made while it is away, so only the
  // readiness check itself can notice.
  const auto dir = make_server_dir("readiness-redis");
  ServerOptions options;
  options.redis_url = start_redis(dir / "redis");
  RunningServer server(options);
  ASSERT_TRUE(redis_becomes(server, "up", "start"));

  stop_redis(dir / "redis");
  EXPECT_TRUE(redis_becomes(server, "down", "Redis stopped"));
  HttpsClient client(server.http_port());
  const HttpAnswer while_away = client.get("/readyz");
  EXPECT_EQ(while_away.status, 200) << "Redis is reported, not required: " << while_away.body;

  ASSERT_EQ(start_redis(dir / "redis"), options.redis_url);
  EXPECT_TRUE(redis_becomes(server, "up", "Redis restarted"));

  server.stop();
  stop_redis(dir / "redis");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tastesync::testing
