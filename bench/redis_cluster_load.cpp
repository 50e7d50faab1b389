// Identify's Redis work over a Redis Cluster against a single Redis, in one
// run: each call is RedisRequestState::begin (answer + presence + generation
// reads) then commit (the compare-and-set script), as an Identify that finds
// a customer and moves them costs in Redis. Both servers are started here
// (local_stack: scripts/redis.sh, scripts/redis_cluster.sh, 3 masters + 3
// replicas) in a temporary directory on loopback and stopped by PID at the end; 16 threads
// share one client per setup (its auto-pipelined connections), for a few
// seconds each, alternated twice. docs/design.md has runs.
//   build/bench/redis_cluster_load [seconds per round, default 3]

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_idempotency_store.h"
#include "infrastructure/redis/redis_presence_store.h"
#include "infrastructure/redis/redis_request_state.h"
#include "local_stack/local_stack.h"

namespace {

namespace redis = tastesync::infrastructure::redis;
using namespace std::chrono_literals;
constexpr int kThreads = 16;
constexpr int kCustomers = 10'000;
std::atomic<long> next_request{0};  // request ids unique over the whole run: no call is a retry

tastesync::domain::PresenceRecord seated(tastesync::domain::PresenceRecord record, int table) {
  tastesync::domain::Presence presence;
  presence.visit_id = "visit-1";
  presence.store_id = "bench-bistro";
  presence.zone_id = "table-" + std::to_string(table);
  presence.zone_kind = tastesync::domain::ZoneKind::kTable;
  presence.last_seen = tastesync::domain::Timestamp(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()));
  record.presence = presence;
  return record;
}

// Identify-like calls per second over `client` for `duration`; errors counted apart.
double calls_per_second(const redis::RedisClientPtr& client, std::chrono::seconds duration, long& errors) {
  redis::RedisPresenceStore presence(client);
  redis::RedisIdempotencyStore idempotency(client, 600s);
  redis::RedisRequestState state(client, presence, idempotency);
  std::atomic<long> calls{0};
  std::atomic<long> failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      std::uniform_int_distribution<int> customers(0, kCustomers - 1);
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string customer = "bench-" + std::to_string(customers(random));
        const std::string key = customer + "\n" + std::to_string(next_request.fetch_add(1));
        auto begun = state.begin(customer, key);
        tastesync::application::RememberedReply reply;
        reply.request_fingerprint = key;
        auto committed = begun ? state.commit(customer, seated(begun->record, t), key, reply)
                               : tastesync::domain::Result<void>(std::unexpected(begun.error()));
        if (!committed) {
          // Lost compare-and-sets included (two threads, one customer).
          if (failed.fetch_add(1) == 0) std::fprintf(stderr, "first failure: %s\n", committed.error().message.c_str());
          continue;
        }
        calls.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (std::thread& thread : threads) thread.join();
  errors += failed.load();
  return static_cast<double>(calls.load()) / static_cast<double>(duration.count());
}

}  // namespace

int main(int argc, char** argv) {
  const std::chrono::seconds round{argc > 1 ? std::atoi(argv[1]) : 3};
  // Both Redis setups, stopped by PID when main returns.
  std::unique_ptr<tastesync::local_stack::LocalStack> servers;
  try {
    servers = std::make_unique<tastesync::local_stack::LocalStack>(
        "bench-redis", tastesync::local_stack::StackParts{.postgres = false, .redis_cluster = true, .kafka = false});
  } catch (const std::runtime_error& error) {
    std::fprintf(stderr, "could not start the servers: %s\n", error.what());
    return 1;
  }
  {  // the clients go before the servers
    auto single = redis::RedisClient::create(servers->redis_url()).value();
    auto cluster = redis::RedisClient::create_cluster(servers->redis_cluster_nodes()).value();
    long single_errors = 0;
    long cluster_errors = 0;
    double single_rate = 0;
    double cluster_rate = 0;
    for (int pass = 0; pass < 2; ++pass) {  // alternated, so drift on a shared machine hits both
      single_rate += calls_per_second(single, round, single_errors) / 2;
      cluster_rate += calls_per_second(cluster, round, cluster_errors) / 2;
    }
    std::printf("Identify's Redis work (begin + commit), %d threads, %d customers, 2 x %lld s each:\n", kThreads,
                kCustomers, static_cast<long long>(round.count()));
    std::printf("  single Redis        %9.0f calls/s  (%ld lost or failed)\n", single_rate, single_errors);
    std::printf("  cluster, 3 masters  %9.0f calls/s  (%ld lost or failed)\n", cluster_rate, cluster_errors);
    std::printf("  cluster / single    %9.2f\n", cluster_rate / single_rate);
  }
  return 0;
}
