#pragma once

// One scenario's processes, all on free 127.0.0.1 ports, all stopped by PID
// when it is destroyed: a PostgreSQL, a Redis and an embedded Kafka of its own
// (fresh state for every scenario: a local_stack::LocalStack) and one or more
// `customer-id` instances (local_stack::ServerProcess), optionally HAProxy in
// front of them with the
// project's configuration (deploy/haproxy/haproxy.cfg), plus the faults the
// suite injects into them.
//
// Start, restart and kill instances from the thread that created the
// Deployment: a server started by a thread is stopped when that thread ends
// (PR_SET_PDEATHSIG).

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "integration/haproxy.h"
#include "local_stack/local_stack.h"
#include "local_stack/server_process.h"

namespace tastesync::chaos {

struct DeploymentOptions {
  int instances = 1;
  // HAProxy in front of the instances; the traffic then goes through it.
  bool load_balancer = false;
  // A Redis Cluster (3 masters + 3 replicas, scripts/redis_cluster.sh)
  // instead of one Redis; the instances get redis.cluster_nodes.
  bool redis_cluster = false;
  std::string server_binary;  // empty: this build's customer-id
  // CUSTOMER_ID_* overrides for every instance.
  std::map<std::string, std::string> environment;
};

class Deployment {
 public:
  // Throws std::runtime_error when something does not start.
  Deployment(const std::string& name, DeploymentOptions options);
  ~Deployment();
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  const std::string& postgres_url() const { return stack_->postgres_url(); }
  const std::string& kafka_bootstrap() const { return stack_->kafka_bootstrap(); }
  int instances() const { return static_cast<int>(servers_.size()); }
  local_stack::ServerProcess& instance(int i) { return *servers_.at(static_cast<std::size_t>(i)); }
  // One channel per instance; it survives restarts (same port).
  const std::vector<std::shared_ptr<grpc::Channel>>& channels() const { return channels_; }
  // Where the customers' traffic goes: the load balancer's one address when
  // there is one, else the instances' channels.
  const std::vector<std::shared_ptr<grpc::Channel>>& entry_channels() const {
    return proxy_ ? proxy_channels_ : channels_;
  }

  // For each customer whose id starts with `prefix`, the instances that
  // logged a move of theirs (identify.moved, logging level info): where the
  // load balancer sent them.
  std::map<std::string, std::set<int>> instances_serving(const std::string& prefix) const;

  // Copies every instance's log (and the servers' logs) into `to`.
  void save_logs(const std::filesystem::path& to) const;

  // ---- the service
  void kill_instance(int i);  // SIGKILL
  // SIGTERM, then waits for it to drain and exit; its exit code.
  int terminate_instance(int i);
  // Same ports; `environment` adds to the deployment's. Throws on failure.
  void restart_instance(int i, const std::map<std::string, std::string>& environment = {});
  // Restarts every instance that is not running.
  void revive_all();
  // An instance whose relay's PostgreSQL session holds advisory locks (its
  // share of the outbox partitions), or -1 when none does (yet).
  int relay_leader();

  // ---- Redis
  void stop_redis() { stack_->stop_redis(); }  // SIGTERM: it keeps nothing (no persistence), so it restarts empty
  void start_redis() { stack_->start_redis(); }
  void pause_redis() { stack_->pause_redis(); }  // SIGSTOP: connections stay open, nothing answers
  void resume_redis() { stack_->resume_redis(); }

  // ---- Redis Cluster
  // SIGKILL of a master that serves slots; its port.
  int kill_redis_master();
  // Waits until the other nodes have marked the killed master failed and
  // the cluster serves every slot again (its replica promoted); false if
  // that did not happen within `timeout`.
  bool wait_for_redis_failover(int killed_port, std::chrono::seconds timeout);

  // ---- PostgreSQL
  void stop_postgres() { stack_->stop_postgres(); }  // fast shutdown
  void start_postgres() { stack_->start_postgres(); }

  // ---- Kafka (every broker of the embedded cluster)
  void kafka_down();  // SIGUSR1
  void kafka_up();    // SIGUSR2

 private:
  void start_load_balancer();
  void shut_down();

  DeploymentOptions options_;
  std::unique_ptr<local_stack::LocalStack> stack_;
  std::vector<std::unique_ptr<local_stack::ServerProcess>> servers_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::unique_ptr<testing::HaProxy> proxy_;
  std::vector<std::shared_ptr<grpc::Channel>> proxy_channels_;
};

}  // namespace tastesync::chaos
