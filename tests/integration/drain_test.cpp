// SIGTERM under load: the server stops taking new requests (gRPC and HTTPS),
// answers every request it had accepted, hands the last events to Kafka and
// exits by itself within server.drain_seconds.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "infrastructure/redis/key_layout.h"
#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_idempotency_store.h"
#include "integration/https_client.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

struct Tally {
  std::mutex mutex;
  int answered_ok = 0;
  int refused = 0;  // turned away before being accepted
  std::vector<std::string> failures;
  // gRPC calls that ended in another status: during shutdown gRPC cancels
  // calls that reached the transport but never a handler, and the client
  // cannot tell those from accepted ones. The server remembers the answer of
  // every Identify it handled (idempotency), so Redis tells which they were.
  struct Doubtful {
    std::string idempotency_key;
    std::string what;
  };
  std::vector<Doubtful> doubtful;

  void doubt(std::string key, std::string what) {
    std::scoped_lock lock(mutex);
    doubtful.push_back({std::move(key), std::move(what)});
  }

  void ok() {
    std::scoped_lock lock(mutex);
    ++answered_ok;
  }
  void refuse() {
    std::scoped_lock lock(mutex);
    ++refused;
  }
  void fail(std::string what) {
    std::scoped_lock lock(mutex);
    failures.push_back(std::move(what));
  }
};

std::string identify_body(const std::string& request_id, unsigned strongest_minor) {
  nlohmann::json sightings = nlohmann::json::array();
  for (unsigned minor = 0; minor <= 4; ++minor) {
    sightings.push_back(
        {{"uuid", kDemoUuid}, {"major", kDemoMajor}, {"minor", minor}, {"rssi", minor == strongest_minor ? -50 : -85}});
  }
  return nlohmann::json{{"requestId", request_id}, {"beacons", {{"sightings", sightings}}}}.dump();
}

TEST(DrainTest, SigtermUnderLoadFinishesAcceptedRequestsAndExitsWithinTheDeadline) {
  ServerOptions options;
  // One client plays every customer here, far faster than phones report.
  options.extra_config = "server:\n  drain_seconds: 6\nrate_limit:\n  customer_per_second: 0\n";
  RunningServer server(options);
  ASSERT_GT(server.http_port(), 0);

  std::atomic<bool> done{false};
  std::atomic<int> started{0};
  Tally tally;
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&, c] {
      auto stub = v1::CustomerIdentification::NewStub(server.channel());
      const std::string who = unique_customer("drain-grpc-" + std::to_string(c));
      const std::string token = token_for(who);
      for (int i = 0; !done.load(); ++i) {
        v1::IdentifyRequest request;
        request.set_request_id(who + "-" + std::to_string(i));
        add_demo_report(request, static_cast<unsigned>(i % 5));
        v1::IdentifyResponse response;
        const grpc::Status status = stub->Identify(authorized(token).get(), request, &response);
        started.fetch_add(1);
        if (status.ok()) {
          tally.ok();
        } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
          tally.refuse();  // the server no longer takes calls (GOAWAY, or gone)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else {
          tally.doubt(who + '\n' + request.request_id(),
                      "gRPC " + std::to_string(status.error_code()) + ": " + status.error_message());
        }
      }
    });
    callers.emplace_back([&, c] {
      HttpsClient client(server.http_port());
      const std::string who = unique_customer("drain-http-" + std::to_string(c));
      const std::string token = token_for(who);
      for (int i = 0; !done.load(); ++i) {
        const HttpAnswer answer = client.post(
            "/v1/identify", identify_body(who + "-" + std::to_string(i), static_cast<unsigned>(i % 5)), token);
        started.fetch_add(1);
        if (answer.status == 200) {
          tally.ok();
        } else if (answer.status == 503 || (answer.status == 0 && answer.error.find("connect") != std::string::npos)) {
          tally.refuse();  // refused while draining, or the port is closed
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else {
          tally.fail("HTTP " + std::to_string(answer.status) + " " + answer.body + answer.error);
        }
      }
    });
  }
  while (started.load() < 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  const int exit_code = server.stop();  // SIGTERM while the callers keep going
  done = true;
  for (std::thread& caller : callers) caller.join();

  EXPECT_EQ(exit_code, 0) << "the server should drain and exit by itself before server.drain_seconds";
  auto redis = infrastructure::redis::RedisClient::create(redis_url());
  ASSERT_TRUE(redis.has_value());
  for (const auto& call : tally.doubtful) {
    // Kept with the customer's keys, by the commit or after a failed one
    // (the customer is the key's part before the newline).
    const std::string customer = call.idempotency_key.substr(0, call.idempotency_key.find('\n'));
    auto handled = (*redis)->command(
        {"EXISTS", infrastructure::redis::RedisIdempotencyStore::key_for(customer, call.idempotency_key)});
    ASSERT_TRUE(handled.has_value());
    if (handled->integer >= 1) {
      tally.failures.push_back("handled by the server, but the client got " + call.what);
    } else {
      ++tally.refused;  // never reached a handler
    }
  }
  std::printf("[ drain ] %d answered, %d refused (%zu of them cancelled by gRPC before any handler)\n",
              tally.answered_ok, tally.refused, tally.doubtful.size());
  EXPECT_GT(tally.answered_ok, 0);
  EXPECT_TRUE(tally.failures.empty()) << tally.failures.size()
                                      << " accepted requests failed, first: " << tally.failures.front();
  const std::string log = read_text(server.work_dir() / "server.log");
  EXPECT_NE(log.find("\"stopped\""), std::string::npos) << log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
  EXPECT_EQ(log.find("drain_incomplete"), std::string::npos) << log.substr(log.find("stopping"));
  EXPECT_EQ(log.find("deadline_passed"), std::string::npos);
}

}  // namespace
}  // namespace tastesync::testing
