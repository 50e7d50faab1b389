// What the commit script of an Identify that changes nothing costs Redis,
// with the last-seen index and the TTL renewed on every save (index step 0,
// as before) against renewed a step apart (30 s, the server's step for
// presence.leave_after_seconds 600: RedisPresenceStore::index_step_for).
// Customers are seated once, then each reports once a second (its record's
// last_seen one second later each round) for a few rounds; every commit is
// RedisRequestState::commit_from(kLocalCopy), the warm path's script, from 16
// threads sharing one auto-pipelined client. Redis's own figures decide:
// INFO commandstats (time inside EVALSHA per call) and its process CPU per
// commit. The two variants alternate twice on fresh customers, and the same
// run prints their ratio. A Redis of its own on loopback (local_stack),
// stopped by PID at the end. docs/capacity.md has runs.
//   build/bench/redis_commit_cost [customers, default 50000] [rounds, default 5]

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
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
using tastesync::domain::PresenceRecord;
constexpr int kThreads = 16;

// The number after `label` (e.g. "used_cpu_user:") in an INFO reply, 0 when absent.
double info_number(const std::string& info, const std::string& label) {
  const auto at = info.find(label);
  return at == std::string::npos ? 0 : std::atof(info.c_str() + at + label.size());
}

std::string info(const redis::RedisClientPtr& client, std::string_view section) {
  auto reply = client->command({"INFO", section});
  if (!reply || reply->type != redis::RedisReply::Type::kString) throw std::runtime_error("INFO failed");
  return reply->str;
}

double redis_cpu_seconds(const redis::RedisClientPtr& client) {
  const std::string cpu = info(client, "cpu");
  return info_number(cpu, "used_cpu_user:") + info_number(cpu, "used_cpu_sys:");
}

PresenceRecord seated(int customer) {
  PresenceRecord record;
  tastesync::domain::Presence presence;
  presence.visit_id = "visit-" + std::to_string(customer);
  presence.store_id = "bench-bistro";
  presence.zone_id = "table-" + std::to_string(customer % 12);
  presence.zone_kind = tastesync::domain::ZoneKind::kTable;
  presence.last_seen = tastesync::domain::Timestamp(std::chrono::milliseconds{1'765'000'000'000});
  record.presence = presence;
  record.resolver.store_id = "bench-bistro";
  return record;
}

struct Cost {
  double usec_in_script = 0;  // per EVALSHA, Redis's own timing
  double cpu_usec = 0;        // Redis process CPU per commit
  long failed = 0;
};

// Seats `customers` new customers (prefix `tag`), then times `rounds` rounds of one report each.
Cost measure(const redis::RedisClientPtr& client, std::chrono::milliseconds step, const std::string& tag, int customers,
             int rounds) {
  redis::RedisPresenceStore presence(client, std::chrono::seconds{3600}, step);
  redis::RedisIdempotencyStore idempotency(client, std::chrono::seconds{600});
  redis::RedisRequestState state(client, presence, idempotency);
  std::vector<PresenceRecord> records;
  records.reserve(static_cast<std::size_t>(customers));
  for (int c = 0; c < customers; ++c) records.push_back(seated(c));
  std::atomic<long> failed{0};
  const auto one_round = [&](int round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        tastesync::application::RememberedReply reply;
        reply.response.confidence = 0.9;
        for (int c = t; c < customers; c += kThreads) {
          const std::string customer = tag + std::to_string(c);
          const std::string key = customer + "\n" + std::to_string(round);
          PresenceRecord& record = records[static_cast<std::size_t>(c)];
          record.presence->last_seen += std::chrono::seconds{1};
          reply.request_fingerprint = key;
          auto done = state.commit_from(customer, record, key, reply, redis::RedisRequestState::ReadFrom::kLocalCopy);
          if (done) {
            ++record.version;
          } else {
            failed.fetch_add(1);
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  };
  one_round(0);  // seated: every record new, indexed in both variants
  (void)client->command({"CONFIG", "RESETSTAT"});
  const double cpu_before = redis_cpu_seconds(client);
  for (int round = 1; round <= rounds; ++round) one_round(round);
  const double cpu_after = redis_cpu_seconds(client);
  const double commits = static_cast<double>(customers) * rounds;
  Cost cost;
  const std::string stats = info(client, "commandstats");
  const auto evalsha = stats.find("cmdstat_evalsha:");
  cost.usec_in_script = evalsha == std::string::npos ? 0 : info_number(stats.substr(evalsha), "usec_per_call=");
  cost.cpu_usec = (cpu_after - cpu_before) * 1e6 / commits;
  cost.failed = failed.load();
  return cost;
}

}  // namespace

int main(int argc, char** argv) {
  const int customers = argc > 1 ? std::atoi(argv[1]) : 50'000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (customers <= 0 || rounds <= 0) {
    std::fprintf(stderr, "usage: redis_commit_cost [customers > 0] [rounds > 0]\n");
    return 2;
  }
  std::unique_ptr<tastesync::local_stack::LocalStack> servers;
  try {
    servers = std::make_unique<tastesync::local_stack::LocalStack>(
        "bench-commit", tastesync::local_stack::StackParts{.postgres = false, .kafka = false});
  } catch (const std::runtime_error& error) {
    std::fprintf(stderr, "could not start Redis: %s\n", error.what());
    return 1;
  }
  {  // the client goes before the server
    auto client = redis::RedisClient::create(servers->redis_url()).value();
    Cost every{};
    Cost stepped{};
    for (int pass = 0; pass < 2; ++pass) {  // alternated, so drift on a shared machine hits both
      const Cost a =
          measure(client, std::chrono::milliseconds{0}, "every-" + std::to_string(pass) + "-", customers, rounds);
      const Cost b = measure(client, std::chrono::seconds{30}, "step-" + std::to_string(pass) + "-", customers, rounds);
      std::printf("pass %d: renewed every save %.2f µs in the script, %.2f µs Redis CPU; a step apart %.2f / %.2f µs\n",
                  pass + 1, a.usec_in_script, a.cpu_usec, b.usec_in_script, b.cpu_usec);
      every.usec_in_script += a.usec_in_script / 2;
      every.cpu_usec += a.cpu_usec / 2;
      every.failed += a.failed;
      stepped.usec_in_script += b.usec_in_script / 2;
      stepped.cpu_usec += b.cpu_usec / 2;
      stepped.failed += b.failed;
    }
    std::printf("The warm commit script in Redis, %d customers reporting once a second, %d rounds, %d threads:\n",
                customers, rounds, kThreads);
    std::printf(
        "  index and TTL renewed on every save (step 0)  %6.2f µs in the script  %6.2f µs Redis CPU  (%ld failed)\n",
        every.usec_in_script, every.cpu_usec, every.failed);
    std::printf(
        "  renewed a step apart (30 s)                   %6.2f µs in the script  %6.2f µs Redis CPU  (%ld failed)\n",
        stepped.usec_in_script, stepped.cpu_usec, stepped.failed);
    std::printf("  stepped / every save                          %6.2f                   %6.2f\n",
                stepped.usec_in_script / every.usec_in_script, stepped.cpu_usec / every.cpu_usec);
    if (every.failed + stepped.failed > 0) return 1;
  }
  return 0;
}
