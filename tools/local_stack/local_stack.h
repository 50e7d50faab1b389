#pragma once

// The service's dependencies on loopback, in one temporary directory:
// PostgreSQL, Redis (one server or a Redis Cluster) and the embedded Kafka,
// whichever of them the caller asks for. The integration tests share one
// (integration/local_servers.h), the fault suite builds each deployment on
// one, a ServerProcess without given URLs gets one, and the benches start
// what they measure with it. Everything it started is stopped by PID and the
// directory removed when it goes.

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "local_stack/dev_kafka.h"

namespace tastesync::local_stack {

struct StackParts {
  bool postgres = true;
  bool redis = true;
  bool redis_cluster = false;  // 3 masters + 3 replicas
  bool kafka = true;
  int kafka_partitions = kEventsTopicPartitions;
};

class LocalStack {
 public:
  // `name` goes into the directory's name (cid-<name>-XXXXXX). Throws
  // std::runtime_error naming the server that did not start (whatever had
  // started is stopped again).
  explicit LocalStack(const std::string& name, const StackParts& parts = {});
  ~LocalStack();
  LocalStack(const LocalStack&) = delete;
  LocalStack& operator=(const LocalStack&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  // Empty for a part not asked for.
  const std::string& postgres_url() const { return postgres_url_; }
  const std::string& redis_url() const { return redis_url_; }
  const std::string& redis_cluster_nodes() const { return redis_cluster_nodes_; }  // the seed list
  const std::string& kafka_bootstrap() const { return kafka_.bootstrap; }
  pid_t kafka_pid() const { return kafka_.pid; }
  // The single Redis's PID (from its pidfile), -1 when it does not run.
  pid_t redis_pid() const;
  // Data directories (the Redis Cluster's node p keeps its PID in
  // redis_cluster_dir()/<p>/redis.pid).
  std::filesystem::path postgres_dir() const { return dir_ / "postgres"; }
  std::filesystem::path redis_dir() const { return dir_ / "redis"; }
  std::filesystem::path redis_cluster_dir() const { return dir_ / "redis-cluster"; }

  // Outages: a server stopped and started again comes back on the same port
  // with its data (PostgreSQL) or empty (Redis keeps nothing); start_* throw
  // when it came back elsewhere.
  void stop_postgres();
  void start_postgres();
  void stop_redis();
  void start_redis();
  // SIGSTOP / SIGCONT: a hung Redis that keeps its connections open.
  void pause_redis();
  void resume_redis();

 private:
  void shut_down();

  std::filesystem::path dir_;
  std::string postgres_url_;
  std::string redis_url_;
  std::string redis_cluster_nodes_;
  DevKafka kafka_;
  bool redis_paused_ = false;
};

}  // namespace tastesync::local_stack
