#pragma once

// 10x overload: many customers, each with one Identify call in flight at all
// times and a short deadline, no retries (each call its own request id, a
// table QR scan alternating between two tables, so each call that runs is a
// transition). What the client saw goes into CustomerLogs, so the ledger
// audit can tell which calls ran although their caller had given up.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "call_record.h"

namespace tastesync::chaos {

struct OverloadOptions {
  int callers = 1000;
  std::chrono::milliseconds deadline{1000};
  std::chrono::seconds duration{10};
  // A caller whose call failed (refused, deadline exceeded) waits this long
  // before its next one; an answered caller calls again at once.
  std::chrono::milliseconds failure_pause{100};
  // Callers are spread over this many connections.
  int connections = 8;
  std::string customer_prefix = "overload";
};

struct LoadStats {
  int sent = 0;
  int answered = 0;
  int refused = 0;  // UNAVAILABLE or RESOURCE_EXHAUSTED
  int deadline_exceeded = 0;
  int cancelled = 0;
  int other = 0;
  double p50_ms = 0;
  double p99_ms = 0;  // of the answered calls
  std::vector<CustomerLog> logs;
};

// Runs the load against the server on 127.0.0.1:port.
LoadStats run_load(int port, const OverloadOptions& options);

// The server's own view of the answered moves of the customers run_load named
// `customer_prefix`-<n>: from its log's `identify.moved` lines, whose `ms`
// runs from the call's arrival to its answer (the wait for a worker included).
// What the server can shed shows here; the client's figures add the
// transport and the load generator's own share of the cores.
struct ServerTimes {
  int calls = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};
ServerTimes server_times(const std::filesystem::path& log, const std::string& customer_prefix);

}  // namespace tastesync::chaos
