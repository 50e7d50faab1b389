#pragma once

// Real PostgreSQL and Redis servers for the integration tests, started once
// per test binary by the project's own scripts (scripts/postgres.sh,
// scripts/redis.sh) in a temporary directory on free loopback ports, and
// stopped by PID when the binary exits.

#include <filesystem>
#include <string>

namespace tastesync::testing {

// postgresql://postgres@127.0.0.1:PORT/customer_id
const std::string& postgres_url();
// redis://127.0.0.1:PORT
const std::string& redis_url();

// A server of its own (for outage tests): started in `dir`, which the caller
// owns; stop and start it with the functions below.
std::string start_postgres(const std::filesystem::path& dir);
void stop_postgres(const std::filesystem::path& dir);
std::string start_redis(const std::filesystem::path& dir);
void stop_redis(const std::filesystem::path& dir);

// A fresh directory under the temp dir that the unprivileged postgres user
// can traverse; removed by the caller.
std::filesystem::path make_server_dir(const std::string& name);

}  // namespace tastesync::testing
