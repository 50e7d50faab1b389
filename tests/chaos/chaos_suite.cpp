// The project's fault suite (`make chaos`): for each fault in turn, fresh
// PostgreSQL, Redis, embedded Kafka and service instances on free loopback
// ports; transition-causing Identify traffic with retries under the same
// request id; the fault; recovery; then every answer checked against the
// ledger and Kafka. Prints one row per fault and exits 1 when a count that
// must be 0 is not (README.md in this directory defines the counts).
//
//   chaos_suite [--only NAME[,NAME...]] [--customers N] [--logs DIR] [--server PATH] [--list]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "identify_client.h"
#include "local_stack/project_files.h"
#include "scenarios.h"

namespace {

using namespace tastesync::chaos;

constexpr const char* kUsage =
    "usage: chaos_suite [--only NAME[,NAME...]] [--customers N] [--logs DIR] [--server PATH] [--list]\n"
    "  --only       run these scenarios (see --list), in the suite's order\n"
    "  --customers  customers of the trust scenarios (default 60)\n"
    "  --logs       where the server logs of scenarios that fail are kept (default: chaos-logs beside the binary)\n"
    "  --server     put another customer-id binary under faults (e.g. an older build)\n";

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::string verdict(const ScenarioResult& result) {
  if (!result.ran || !result.error.empty()) return "ERROR";
  return result.passed() ? "ok" : "FAIL";
}

void print_trust_header() {
  std::printf("%-24s %6s %8s %7s %6s %6s | %5s %14s %8s %12s %6s | %-6s %5s\n", "scenario", "calls", "answered",
              "retried", "gaveup", "errors", "lost", "contradictions", "repeated", "other-answer", "ghosts", "result",
              "time");
}

void print_trust_row(const ScenarioResult& r) {
  const TrustCounts& c = r.counts;
  std::printf("%-24s %6d %8d %7d %6d %6d | %5d %14d %8d %12d %6d | %-6s %4.0fs\n", r.name.c_str(), c.calls, c.answered,
              c.retried, c.gave_up, c.failed, c.lost, c.contradictions, c.repeated(), c.resend_other_answers, c.ghosts,
              verdict(r).c_str(), r.seconds);
}

void print_overload_header() {
  std::printf("%-24s %6s %8s %7s %8s %17s %17s %10s | %5s %14s %6s | %-6s %5s\n", "scenario", "sent", "answered",
              "refused", "deadline", "unloaded p50/p99", "answered p50/p99", "after-dl", "lost", "contradictions",
              "ghosts", "result", "time");
}

void print_overload_row(const ScenarioResult& r) {
  char unloaded[32];
  char loaded[32];
  std::snprintf(unloaded, sizeof(unloaded), "%.0f/%.0f ms", r.unloaded.p50_ms, r.unloaded.p99_ms);
  std::snprintf(loaded, sizeof(loaded), "%.0f/%.0f ms", r.loaded.p50_ms, r.loaded.p99_ms);
  std::printf("%-24s %6d %8d %7d %8d %17s %17s %10d | %5d %14d %6d | %-6s %4.0fs\n", r.name.c_str(), r.loaded.sent,
              r.loaded.answered, r.loaded.refused, r.loaded.deadline_exceeded, unloaded, loaded,
              r.executed_after_deadline, r.counts.lost, r.counts.contradictions, r.counts.ghosts, verdict(r).c_str(),
              r.seconds);
}

void print_details(const ScenarioResult& r) {
  if (!r.error.empty()) std::printf("  %s: %s\n", r.name.c_str(), r.error.c_str());
  for (const std::string& note : r.notes) std::printf("  %s: %s\n", r.name.c_str(), note.c_str());
  const TrustCounts& c = r.counts;
  if (r.ran) {
    std::printf(
        "  %s: %d re-sends of answered calls (%d answered with a new transition); %d ledger transitions no call "
        "accounts for; %d answered ids not even in the outbox; %d events no reply carried\n",
        r.name.c_str(), c.resends, c.resend_transitions, c.surplus_transitions, c.unrecorded, c.unseen_events);
  }
  if (r.overload && r.ran) {
    std::printf("  %s: answered p99 %.1fx the unloaded p99; %d cancelled, %d other errors\n", r.name.c_str(),
                r.unloaded.p99_ms > 0 ? r.loaded.p99_ms / r.unloaded.p99_ms : 0.0, r.loaded.cancelled, r.loaded.other);
    std::printf(
        "  %s: in the server (its log, arrival to answer): unloaded p50/p99 %.0f/%.0f ms, answered under load "
        "%.0f/%.0f ms (%.1fx the unloaded p99; %d and %d moves logged)\n",
        r.name.c_str(), r.server_unloaded.p50_ms, r.server_unloaded.p99_ms, r.server_loaded.p50_ms,
        r.server_loaded.p99_ms, r.server_unloaded.p99_ms > 0 ? r.server_loaded.p99_ms / r.server_unloaded.p99_ms : 0.0,
        r.server_unloaded.calls, r.server_loaded.calls);
  }
  for (const std::string& example : c.examples) std::printf("    %s\n", example.c_str());
}

void print_table(const std::vector<ScenarioResult>& results) {
  std::printf("\n");
  print_trust_header();
  for (const ScenarioResult& r : results) {
    if (!r.overload) print_trust_row(r);
  }
  bool any_overload = false;
  for (const ScenarioResult& r : results) any_overload = any_overload || r.overload;
  if (any_overload) {
    std::printf("\n");
    print_overload_header();
    for (const ScenarioResult& r : results) {
      if (r.overload) print_overload_row(r);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A blocking call that fails fast (the server is down) leaves no thread
  // polling the channel's reconnection, which then advances only with gRPC's
  // backup poller: every 5 s by default, so each TCP and TLS step of a
  // reconnection would take 5 s. Set before gRPC reads its configuration.
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", 0);
  SuiteOptions options;
  options.logs_dir = CID_CHAOS_LOGS_DIR;
  std::vector<std::string> only;
  std::vector<Scenario> scenarios = all_scenarios();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--list") {
      for (const Scenario& scenario : scenarios)
        std::printf("%-24s %s\n", scenario.name.c_str(), scenario.fault.c_str());
      return 0;
    }
    if (arg == "--only" && i + 1 < argc) {
      only = split(argv[++i]);
    } else if (arg == "--server" && i + 1 < argc) {
      options.server_binary = argv[++i];
    } else if (arg == "--logs" && i + 1 < argc) {
      options.logs_dir = argv[++i];
    } else if (arg == "--customers" && i + 1 < argc) {
      options.customers = std::atoi(argv[++i]);
      if (options.customers < 1 || options.customers > 500) {
        std::cerr << "--customers must be 1..500\n";
        return 2;
      }
    } else {
      std::cerr << kUsage;
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  if (!only.empty()) {
    std::vector<Scenario> chosen;
    for (const Scenario& scenario : scenarios) {
      for (const std::string& name : only) {
        if (scenario.name == name) chosen.push_back(scenario);
      }
    }
    if (chosen.size() != only.size()) {
      std::cerr << "unknown scenario in --only (see --list)\n";
      return 2;
    }
    scenarios = std::move(chosen);
  }
  if (!tastesync::local_stack::ensure_dev_keys()) {
    std::cerr << "scripts/keys.sh failed\n";
    return 2;
  }

  const auto started = std::chrono::steady_clock::now();
  std::vector<ScenarioResult> results;
  try {
    for (const Scenario& scenario : scenarios) {
      results.push_back(run_scenario(scenario, options));
      const ScenarioResult& result = results.back();
      if (result.overload) {
        print_overload_header();
        print_overload_row(result);
      } else {
        print_trust_header();
        print_trust_row(result);
      }
      print_details(result);
      std::fflush(stdout);
    }
  } catch (const Interrupted&) {
    std::printf("[chaos] interrupted; every process started was stopped\n");
    return 130;
  }

  print_table(results);
  int failed = 0;
  for (const ScenarioResult& result : results) failed += result.passed() ? 0 : 1;
  const double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60.0;
  std::printf(
      "\n[chaos] %zu scenarios in %.1f min: %d failed (lost, contradictions, repeated, other-answer, ghosts "
      "and executed-after-deadline must all be 0)\n",
      results.size(), minutes, failed);
  return failed == 0 ? 0 : 1;
}
