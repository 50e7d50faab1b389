#include "scenarios.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

#include "customer_traffic.h"
#include "deployment.h"
#include "local_stack/server_process.h"
#include "settle.h"

namespace tastesync::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kCrashHook = "CUSTOMER_ID_TEST_CRASH_AFTER_LEDGER_COMMIT";

const auto kSuiteStarted = std::chrono::steady_clock::now();

void say(const std::string& scenario, const std::string& line) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - kSuiteStarted).count();
  std::printf("[chaos %6.1fs] %-24s %s\n", elapsed, scenario.c_str(), line.c_str());
  std::fflush(stdout);
}

std::map<std::string, std::string> service_environment(const SuiteOptions& options) {
  return {
      {"CUSTOMER_ID_PRESENCE_LEAVE_AFTER_SECONDS", std::to_string(options.leave_after_seconds)},
      {"CUSTOMER_ID_PRESENCE_SWEEP_INTERVAL_SECONDS", std::to_string(options.sweep_interval_seconds)},
      {"CUSTOMER_ID_SERVER_DRAIN_SECONDS", "5"},
      // Each request's line, for the logs kept of a scenario that fails.
      {"CUSTOMER_ID_LOGGING_LEVEL", "info"},
  };
}

std::chrono::steady_clock::duration leave_period(const SuiteOptions& options) {
  // The promise: closed within leave_after + one sweep; one more sweep and
  // 3 s of slack for the two processes' clocks and this machine's load.
  return seconds(options.leave_after_seconds + 2 * options.sweep_interval_seconds + 3);
}

std::int64_t transition_count(const std::string& postgres_url) {
  pqxx::connection connection(postgres_url);
  pqxx::read_transaction tx(connection);
  return tx.exec("SELECT count(*) FROM zone_transitions")[0][0].as<std::int64_t>();
}

// Once the load stops the server may still be working through its queue:
// wait until the ledger stops growing for 2 s (at most 60 s).
void wait_until_quiet(const std::string& postgres_url) {
  std::int64_t last = -1;
  auto stable_since = std::chrono::steady_clock::now();
  const auto deadline = stable_since + seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::int64_t now = transition_count(postgres_url);
    if (now != last) {
      last = now;
      stable_since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - stable_since > seconds(2)) {
      return;
    }
    pause_for(milliseconds(250));
  }
}

void check_leaves(Deployment& deployment, const SuiteOptions& options,
                  std::chrono::steady_clock::time_point quiet_since, ScenarioResult& result) {
  const auto present = wait_for_leaves(deployment.postgres_url(), deployment.entry_channels().front(),
                                       quiet_since + leave_period(options));
  result.counts.ghosts = static_cast<int>(present.size());
  std::size_t shown = 0;
  for (const std::string& customer : present) {
    if (shown++ < 3) result.counts.examples.push_back("ghost: " + customer + " still present");
  }
}

void audit(const std::vector<CustomerLog>& logs, Deployment& deployment, ScenarioResult& result) {
  const std::set<std::string> consumed =
      consume_events(deployment.kafka_bootstrap(), deployment.postgres_url(), answered_event_ids(logs), seconds(20));
  const Ledger ledger = read_ledger(deployment.postgres_url());
  audit_answers(logs, ledger, result.counts);
  audit_events(logs, ledger, consumed, result.counts);
}

void run_trust(const Scenario& scenario, Deployment& deployment, const SuiteOptions& options, ScenarioResult& result) {
  TrafficOptions traffic_options;
  traffic_options.customers = options.customers;
  traffic_options.customer_prefix = scenario.name;
  traffic_options.alternate_instances = scenario.instances > 1 && !scenario.load_balancer;
  CustomerTraffic traffic(deployment.entry_channels(), traffic_options);
  traffic.start();
  pause_for(options.warmup);
  say(scenario.name,
      "fault: " + scenario.fault + " (" + std::to_string(traffic.answered()) + " calls answered so far)");
  const std::int64_t fault_started = now_us();
  traffic.leave_now();
  scenario.inject(deployment, result);
  const std::int64_t fault_ended = now_us();
  pause_for(options.recovery);
  traffic.stop();
  // Every instance serves the leave sweep and GetStorePresence from here.
  deployment.revive_all();
  traffic.replay_answered(fault_started, fault_ended);
  const auto quiet_since = std::chrono::steady_clock::now();
  say(scenario.name, "traffic over: " + std::to_string(traffic.completed()) + " calls; waiting for the leave period");
  check_leaves(deployment, options, quiet_since, result);
  say(scenario.name, "reading Kafka and the ledger");
  result.logs = traffic.logs();
  audit(result.logs, deployment, result);
}

void run_overload(const Scenario& scenario, Deployment& deployment, const SuiteOptions& options,
                  ScenarioResult& result) {
  result.overload = true;
  const int port = deployment.instance(0).port();
  OverloadOptions calm;
  calm.callers = 10;
  calm.deadline = milliseconds(5000);
  calm.duration = seconds(3);
  calm.connections = 2;
  calm.customer_prefix = scenario.name + "-calm";
  result.unloaded = run_load(port, calm);
  say(scenario.name, "unloaded: " + std::to_string(result.unloaded.answered) + " answered, p99 " +
                         std::to_string(static_cast<int>(result.unloaded.p99_ms)) + " ms; now " +
                         std::to_string(options.overload_callers) + " callers");
  OverloadOptions heavy;
  heavy.callers = options.overload_callers;
  heavy.deadline = options.overload_deadline;
  heavy.duration = options.overload_duration;
  heavy.customer_prefix = scenario.name;
  result.loaded = run_load(port, heavy);
  wait_until_quiet(deployment.postgres_url());
  const auto quiet_since = std::chrono::steady_clock::now();
  result.server_unloaded = server_times(deployment.instance(0).log_file(), calm.customer_prefix);
  result.server_loaded = server_times(deployment.instance(0).log_file(), heavy.customer_prefix);

  // Executed after the deadline (or after a refusal): with no retries and a
  // table scan per call, every transition of a customer beyond its answered
  // moves ran for a caller that had been told it failed.
  const Ledger ledger = read_ledger(deployment.postgres_url());
  std::size_t shown = 0;
  for (const CustomerLog& log : result.loaded.logs) {
    const auto found = ledger.transitions.find(log.customer_id);
    if (found == ledger.transitions.end()) continue;
    const auto recorded = std::count_if(found->second.begin(), found->second.end(),
                                        [](const LedgerTransition& t) { return t.to_zone.has_value(); });
    const auto answered_moves = std::count_if(log.calls.begin(), log.calls.end(), [](const CallRecord& call) {
      return call.outcome == Outcome::kAnswered && call.changed;
    });
    if (recorded > answered_moves) {
      result.executed_after_deadline += static_cast<int>(recorded - answered_moves);
      if (shown++ < 3) {
        result.counts.examples.push_back("executed after deadline: " + log.customer_id + " has " +
                                         std::to_string(recorded) + " transitions, " + std::to_string(answered_moves) +
                                         " answered moves");
      }
    }
  }
  result.logs = result.loaded.logs;
  result.logs.insert(result.logs.end(), result.unloaded.logs.begin(), result.unloaded.logs.end());
  check_leaves(deployment, options, quiet_since, result);
  audit(result.logs, deployment, result);
  // The ledger audit's own repeat count is not meaningful without retries:
  // its surplus is executed_after_deadline, counted above.
  result.counts.surplus_transitions = 0;
  result.loaded.logs.clear();
  result.unloaded.logs.clear();
}

// Where the load balancer sent the customers before an instance was killed
// and while it was down: sticky routing keeps each on one instance, and only
// the dead instance's customers move.
void describe_routing(const std::map<std::string, std::set<int>>& before,
                      const std::map<std::string, std::set<int>>& during, int victim, ScenarioResult& result) {
  std::map<int, int> per_instance;
  int on_several = 0;
  for (const auto& [customer, instances] : before) {
    if (instances.size() > 1) ++on_several;
    for (const int instance : instances) ++per_instance[instance];
  }
  std::string spread;
  for (const auto& [instance, customers] : per_instance) {
    spread += (spread.empty() ? "" : ", ") + std::to_string(customers) + " on instance " + std::to_string(instance);
  }
  result.notes.push_back("before the kill: " + std::to_string(before.size()) + " customers moved (" + spread + "), " +
                         std::to_string(on_several) + " of them through more than one instance");
  int victims = 0;
  int victims_served_elsewhere = 0;
  int survivors_moved = 0;
  for (const auto& [customer, instances] : before) {
    const auto now = during.find(customer);
    if (now == during.end()) continue;
    if (instances.contains(victim)) {
      ++victims;
      if (std::any_of(now->second.begin(), now->second.end(), [victim](int i) { return i != victim; }))
        ++victims_served_elsewhere;
    } else if (now->second != instances) {
      ++survivors_moved;
    }
  }
  result.notes.push_back(
      "while instance " + std::to_string(victim) + " was down: " + std::to_string(victims_served_elsewhere) +
      " of its " + std::to_string(victims) +
      " customers were served by another (its leavers called no more); customers of the other instances that moved: " +
      std::to_string(survivors_moved));
}

// One line per call: what the customer sent and was told, times in
// microseconds since the epoch (the ledger's `at` uses the same clock).
void write_calls(const std::filesystem::path& path, const std::vector<CustomerLog>& logs) {
  std::ofstream out(path);
  out << "customer\trequest_id\tkind\ttarget\tresend_of\tsent_us\tfinished_us\tattempts\tinstance\toutcome\t"
         "code\tzone\tchanged\tevent_ids\tmessage\n";
  for (const CustomerLog& log : logs) {
    for (const CallRecord& call : log.calls) {
      const char* outcome = call.outcome == Outcome::kAnswered ? "answered"
                            : call.outcome == Outcome::kGaveUp ? "gave_up"
                                                               : "failed";
      std::string ids;
      for (const std::string& id : call.event_ids) ids += (ids.empty() ? "" : ",") + id;
      out << log.customer_id << '\t' << call.request_id << '\t' << (call.table_qr ? "qr" : "beacons") << '\t'
          << call.target_zone << '\t' << call.replay_of << '\t' << call.sent_us << '\t' << call.finished_us << '\t'
          << call.attempts << '\t' << call.answered_by << '\t' << outcome << '\t' << static_cast<int>(call.last_code)
          << '\t' << call.zone << '\t' << call.changed << '\t' << ids << '\t' << call.last_message << '\n';
    }
  }
}

}  // namespace

void pause_for(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    if (local_stack::interrupted()) throw Interrupted{};
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(milliseconds(100), until - std::chrono::steady_clock::now()));
  }
}

bool ScenarioResult::passed() const {
  if (!ran || !error.empty()) return false;
  const bool trusted = counts.lost == 0 && counts.contradictions == 0 && counts.repeated() == 0 &&
                       counts.resend_other_answers == 0 && counts.ghosts == 0;
  return trusted && (!overload || executed_after_deadline == 0);
}

std::vector<Scenario> all_scenarios() {
  std::vector<Scenario> scenarios;
  scenarios.push_back({"kill-9", "kill -9 of the service, restarted 1 s later", 1, [](Deployment& d, ScenarioResult&) {
                         d.kill_instance(0);
                         pause_for(milliseconds(1000));
                         d.restart_instance(0);
                       }});
  scenarios.push_back({"redis-lost", "Redis stopped 5 s, restarted empty", 1, [](Deployment& d, ScenarioResult&) {
                         d.stop_redis();
                         pause_for(milliseconds(5000));
                         d.start_redis();
                       }});
  scenarios.push_back({"redis-hung", "Redis hung 8 s (SIGSTOP, then SIGCONT)", 1, [](Deployment& d, ScenarioResult&) {
                         d.pause_redis();
                         pause_for(milliseconds(8000));
                         d.resume_redis();
                       }});
  scenarios.push_back({"postgres-down", "PostgreSQL stopped 5 s, restarted", 1, [](Deployment& d, ScenarioResult&) {
                         d.stop_postgres();
                         pause_for(milliseconds(5000));
                         d.start_postgres();
                       }});
  scenarios.push_back({"kafka-down", "Kafka brokers down 8 s", 1, [](Deployment& d, ScenarioResult&) {
                         d.kafka_down();
                         pause_for(milliseconds(8000));
                         d.kafka_up();
                       }});
  scenarios.push_back(
      {"sigterm", "SIGTERM under load, restarted once drained", 1, [](Deployment& d, ScenarioResult& result) {
         const int code = d.terminate_instance(0);
         result.notes.push_back("drained and exited with " + std::to_string(code));
         d.restart_instance(0);
       }});
  scenarios.push_back({"2x-redis-lost", "two instances, calls alternating; Redis stopped 6 s, restarted empty", 2,
                       [](Deployment& d, ScenarioResult&) {
                         d.stop_redis();
                         pause_for(milliseconds(6000));
                         d.start_redis();
                       }});
  scenarios.push_back({"2x-relay-leader-killed", "two instances; kill -9 of the relay leader, restarted 5 s later", 2,
                       [](Deployment& d, ScenarioResult& result) {
                         int leader = d.relay_leader();
                         for (int i = 0; i < 50 && leader < 0; ++i) {
                           pause_for(milliseconds(100));
                           leader = d.relay_leader();
                         }
                         if (leader < 0) throw std::runtime_error("no instance holds the outbox relay's lock");
                         d.kill_instance(leader);
                         pause_for(milliseconds(5000));
                         result.notes.push_back("killed instance " + std::to_string(leader) +
                                                "; leader 5 s later: instance " + std::to_string(d.relay_leader()));
                         d.restart_instance(leader);
                       }});
  const auto crash_after_commit = [](Deployment& d, ScenarioResult& result) {
    d.terminate_instance(0);
    d.restart_instance(0, {{kCrashHook, "1"}});
    const int code = d.instance(0).wait_exit(milliseconds(5000));
    if (d.instance(0).running()) {
      result.error = std::string("needs hook: the server did not exit with ") + kCrashHook + "=1";
      d.terminate_instance(0);
    } else {
      result.notes.push_back("exited with " + std::to_string(code) + " after a ledger commit");
    }
    d.restart_instance(0);
  };
  scenarios.push_back({"crash-after-commit",
                       "exits right after a ledger commit, before the cache write (test hook), restarted without it", 1,
                       crash_after_commit});
  // The same on a Redis Cluster: the answers copied back from the ledger
  // after the crash must sit in the customer's slot, where the commit from
  // this instance's copy checks them (a single Redis cannot show that).
  Scenario cluster_crash{"cluster-crash-after-commit",
                         "crash-after-commit on a Redis Cluster: exits right after a ledger commit, before the cache "
                         "write, restarted without the hook",
                         1, crash_after_commit};
  cluster_crash.redis_cluster = true;
  scenarios.push_back(cluster_crash);
  scenarios.push_back({"2x-crash-after-commit",
                       "two instances, calls alternating; instance 1 exits right after each ledger commit, before "
                       "the cache write (test hook), restarted each time, for 8 s",
                       2, [](Deployment& d, ScenarioResult& result) {
                         d.terminate_instance(1);
                         d.restart_instance(1, {{kCrashHook, "1"}});
                         int crashes = 0;
                         const auto until = std::chrono::steady_clock::now() + seconds(8);
                         while (std::chrono::steady_clock::now() < until) {
                           if (d.instance(1).exited()) {
                             ++crashes;
                             d.restart_instance(1, {{kCrashHook, "1"}});
                           }
                           pause_for(milliseconds(20));
                         }
                         d.terminate_instance(1);
                         d.restart_instance(1);
                         result.notes.push_back(std::to_string(crashes) + " exits after a ledger commit");
                         if (crashes == 0) {
                           result.error = std::string("needs hook: the server never exited with ") + kCrashHook + "=1";
                         }
                       }});
  // The cluster: three instances behind HAProxy (deploy/haproxy/haproxy.cfg),
  // customers routed by their key, on a Redis Cluster. An instance dies
  // without a word; its customers' calls fail over to the survivors
  // (retried under the same request id) and stay there while it is down.
  // Meanwhile a Redis master dies too, and its replica takes over. The notes
  // say where the load balancer sent each customer (the instances' logs).
  Scenario cluster{"cluster",
                   "3 instances behind HAProxy, Redis Cluster; kill -9 of an instance, 2 s later of a Redis master; "
                   "the instance restarted 10 s after its kill",
                   3, [](Deployment& d, ScenarioResult& result) {
                     constexpr int kVictim = 1;
                     const auto before = d.instances_serving(result.name + "-");
                     const auto killed = std::chrono::steady_clock::now();
                     d.kill_instance(kVictim);
                     pause_for(milliseconds(2000));
                     const int master = d.kill_redis_master();
                     const auto master_killed = std::chrono::steady_clock::now();
                     if (!d.wait_for_redis_failover(master, seconds(30))) {
                       throw std::runtime_error("the killed Redis master's replica did not take over within 30 s");
                     }
                     const double took =
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - master_killed).count();
                     char line[128];
                     std::snprintf(line, sizeof(line),
                                   "Redis master :%d killed; its replica served its slots %.1f s later", master, took);
                     result.notes.emplace_back(line);
                     pause_for(std::chrono::duration_cast<milliseconds>(std::max<std::chrono::steady_clock::duration>(
                         milliseconds(0), seconds(10) - (std::chrono::steady_clock::now() - killed))));
                     describe_routing(before, d.instances_serving(result.name + "-"), kVictim, result);
                     d.restart_instance(kVictim);
                   }};
  cluster.redis_cluster = true;
  cluster.load_balancer = true;
  scenarios.push_back(cluster);
  Scenario overload{"overload-10x", "1000 callers each with a call in flight, 1 s deadlines, no retries", 1, {}, true};
  scenarios.push_back(overload);
  return scenarios;
}

ScenarioResult run_scenario(const Scenario& scenario, const SuiteOptions& options) {
  ScenarioResult result;
  result.name = scenario.name;
  result.fault = scenario.fault;
  const auto started = std::chrono::steady_clock::now();
  say(scenario.name, std::string("starting PostgreSQL, ") + (scenario.redis_cluster ? "a Redis Cluster" : "Redis") +
                         ", Kafka and " + std::to_string(scenario.instances) + " instance(s)" +
                         (scenario.load_balancer ? " behind HAProxy" : ""));
  try {
    DeploymentOptions deployment_options;
    deployment_options.instances = scenario.instances;
    deployment_options.load_balancer = scenario.load_balancer;
    deployment_options.redis_cluster = scenario.redis_cluster;
    deployment_options.environment = service_environment(options);
    deployment_options.server_binary = options.server_binary;
    Deployment deployment(scenario.name, deployment_options);
    if (scenario.overload) {
      run_overload(scenario, deployment, options, result);
    } else {
      run_trust(scenario, deployment, options, result);
    }
    result.ran = true;
    if (!result.passed() || result.counts.gave_up > 0 || result.counts.failed > 0) {
      const auto kept = std::filesystem::path(options.logs_dir) / scenario.name;
      deployment.save_logs(kept);
      write_calls(kept / "calls.tsv", result.logs);
      result.notes.push_back("logs kept in " + kept.string());
    }
    result.logs.clear();
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace tastesync::chaos
