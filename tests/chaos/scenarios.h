#pragma once

// The faults, one scenario each, and how a scenario runs: fresh processes,
// traffic, the fault on the timeline, recovery, then the audit.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ledger_audit.h"
#include "overload.h"

namespace tastesync::chaos {

class Deployment;

struct SuiteOptions {
  int customers = 60;
  std::chrono::milliseconds warmup{4000};    // traffic before the fault
  std::chrono::milliseconds recovery{5000};  // traffic after it
  int overload_callers = 1000;
  std::chrono::milliseconds overload_deadline{1000};
  std::chrono::seconds overload_duration{10};
  int leave_after_seconds = 5;
  int sweep_interval_seconds = 1;
  // Another customer-id binary to put under faults (empty: this build's).
  std::string server_binary;
  // Where the logs of a scenario that did not pass are kept.
  std::string logs_dir = "chaos-logs";
};

struct ScenarioResult {
  std::string name;
  std::string fault;
  bool ran = false;
  std::string error;  // why it could not run
  double seconds = 0;
  std::vector<std::string> notes;
  TrustCounts counts;
  // The overload scenario only.
  bool overload = false;
  LoadStats unloaded;
  LoadStats loaded;
  int executed_after_deadline = 0;
  ServerTimes server_unloaded;  // from the instance's log
  ServerTimes server_loaded;
  // What the customers saw (kept with the logs when the scenario fails).
  std::vector<CustomerLog> logs;

  // Every count that must be 0 is, and the scenario ran.
  bool passed() const;
};

struct Scenario {
  std::string name;
  std::string fault;
  int instances = 1;
  // Runs on the suite's main thread while the traffic flows; returns once
  // the fault is over (everything restarted / resumed).
  std::function<void(Deployment&, ScenarioResult&)> inject;
  // Set for the overload scenario, which drives its own traffic.
  bool overload = false;
  // HAProxy in front of the instances: the customers call it (sending their
  // routing key) instead of alternating between the instances themselves.
  bool load_balancer = false;
  // A Redis Cluster (3 masters, 3 replicas) instead of one Redis.
  bool redis_cluster = false;
};

std::vector<Scenario> all_scenarios();

ScenarioResult run_scenario(const Scenario& scenario, const SuiteOptions& options);

// Thrown when SIGINT/SIGTERM asks the suite to stop.
struct Interrupted {};
// Sleeps, checking for an interruption every 100 ms.
void pause_for(std::chrono::milliseconds duration);

}  // namespace tastesync::chaos
