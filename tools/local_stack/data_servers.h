#pragma once

// PostgreSQL, Redis and a Redis Cluster on free 127.0.0.1 ports, each in a
// data directory the caller names, started and stopped by the project's own
// scripts (scripts/postgres.sh, redis.sh, redis_cluster.sh), which is also
// what `make run` and `make cluster` use. The scripts stop a server by the PID
// recorded in its data directory, never by name. A start again on the same
// directory brings the server back on the same port (outage tests).
//
// Starts throw std::runtime_error with what the script said; stops never
// throw (they run from destructors) and do nothing when nothing runs there.

#include <filesystem>
#include <string>

namespace tastesync::local_stack {

// postgresql://postgres@127.0.0.1:PORT/customer_id
std::string start_postgres(const std::filesystem::path& dir);
void stop_postgres(const std::filesystem::path& dir);

// redis://127.0.0.1:PORT
std::string start_redis(const std::filesystem::path& dir);
void stop_redis(const std::filesystem::path& dir);

// 3 masters + 3 replicas on six free consecutive ports (and their cluster bus
// ports); the seed list 127.0.0.1:p1,...,127.0.0.1:p6. Node p's PID is in
// dir/<p>/redis.pid.
std::string start_redis_cluster(const std::filesystem::path& dir);
void stop_redis_cluster(const std::filesystem::path& dir);

// Runs scripts/<script> with `arguments` and returns the last line it printed
// on stdout (the scripts print only their URL there). Its stderr is kept
// apart and becomes the exception's message when it fails.
std::string run_script(const std::string& script, const std::string& arguments);

}  // namespace tastesync::local_stack
