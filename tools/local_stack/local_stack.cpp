#include "local_stack/local_stack.h"

#include <signal.h>

#include <fstream>
#include <stdexcept>

#include "local_stack/data_servers.h"
#include "local_stack/project_files.h"

namespace tastesync::local_stack {

LocalStack::LocalStack(const std::string& name, const StackParts& parts) : dir_(make_server_dir(name)) {
  try {
    if (parts.postgres) postgres_url_ = local_stack::start_postgres(postgres_dir());
    if (parts.redis) redis_url_ = local_stack::start_redis(redis_dir());
    if (parts.redis_cluster) redis_cluster_nodes_ = start_redis_cluster(redis_cluster_dir());
    if (parts.kafka) kafka_ = start_devkafka(dir_ / "kafka", parts.kafka_partitions);
  } catch (...) {
    shut_down();
    throw;
  }
}

LocalStack::~LocalStack() { shut_down(); }

void LocalStack::shut_down() {
  stop_devkafka(kafka_);
  // By the PIDs the scripts recorded in the data directories.
  if (redis_paused_) resume_redis();
  local_stack::stop_redis(redis_dir());
  stop_redis_cluster(redis_cluster_dir());
  local_stack::stop_postgres(postgres_dir());
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

pid_t LocalStack::redis_pid() const {
  std::ifstream file(redis_dir() / "redis.pid");
  pid_t pid = -1;
  file >> pid;
  return pid;
}

void LocalStack::stop_postgres() { local_stack::stop_postgres(postgres_dir()); }

void LocalStack::start_postgres() {
  if (local_stack::start_postgres(postgres_dir()) != postgres_url_) {
    throw std::runtime_error("PostgreSQL came back elsewhere than " + postgres_url_);
  }
}

void LocalStack::stop_redis() { local_stack::stop_redis(redis_dir()); }

void LocalStack::start_redis() {
  // The same port again: scripts/redis.sh keeps it in the data directory.
  if (local_stack::start_redis(redis_dir()) != redis_url_) {
    throw std::runtime_error("Redis came back elsewhere than " + redis_url_);
  }
}

void LocalStack::pause_redis() {
  const pid_t pid = redis_pid();
  if (pid <= 0 || kill(pid, SIGSTOP) != 0) throw std::runtime_error("cannot pause Redis");
  redis_paused_ = true;
}

void LocalStack::resume_redis() {
  if (const pid_t pid = redis_pid(); pid > 0) kill(pid, SIGCONT);
  redis_paused_ = false;
}

}  // namespace tastesync::local_stack
