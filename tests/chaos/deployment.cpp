#include "deployment.h"

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "identify_client.h"
#include "integration/local_servers.h"
#include "settle.h"

namespace tastesync::chaos {
namespace {

// The inodes of the sockets a process has open.
std::set<std::string> socket_inodes(pid_t pid) {
  std::set<std::string> inodes;
  std::error_code error;
  const std::filesystem::path fds = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator(fds, error)) {
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && target.starts_with("socket:[")) inodes.insert(target.substr(8, target.size() - 9));
  }
  return inodes;
}

// The socket inode of the TCP connection whose local port is `port`, in the
// process's network namespace.
std::string inode_of_local_port(pid_t pid, int port) {
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream file("/proc/" + std::to_string(pid) + table);
    std::string line;
    std::getline(file, line);  // header
    while (std::getline(file, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos) continue;
      if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) return inode;
    }
  }
  return {};
}

// What `redis-cli -p port args` printed (empty when the node does not answer).
std::string redis_cli(int port, const std::string& args) {
  const std::string command = "redis-cli -h 127.0.0.1 -p " + std::to_string(port) + " " + args + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string output;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  ::pclose(pipe);
  return output;
}

std::vector<int> node_ports(const std::string& seeds) {
  std::vector<int> ports;
  std::istringstream list(seeds);
  for (std::string seed; std::getline(list, seed, ',');) ports.push_back(std::stoi(seed.substr(seed.rfind(':') + 1)));
  return ports;
}

// One line of CLUSTER NODES: "<id> <ip:port@bus> <flags> <master> <ping> <pong>
// <epoch> <link> [<slot ranges>...]".
struct ClusterNode {
  int port = 0;
  std::string flags;
  bool serves_slots = false;
};

std::vector<ClusterNode> cluster_nodes(int asked_port) {
  std::vector<ClusterNode> nodes;
  std::istringstream lines(redis_cli(asked_port, "cluster nodes"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, address, flags, master, ping, pong, epoch, link, slots;
    if (!(fields >> id >> address >> flags >> master >> ping >> pong >> epoch >> link)) continue;
    const auto colon = address.find(':');
    const auto at = address.find('@');
    if (colon == std::string::npos || at == std::string::npos) continue;
    ClusterNode node;
    node.port = std::stoi(address.substr(colon + 1, at - colon - 1));
    node.flags = flags;
    node.serves_slots = static_cast<bool>(fields >> slots);
    nodes.push_back(node);
  }
  return nodes;
}

bool has_flag(const std::string& flags, const std::string& flag) {
  std::istringstream list(flags);
  for (std::string one; std::getline(list, one, ',');) {
    if (one == flag) return true;
  }
  return false;
}

}  // namespace

Deployment::Deployment(const std::string& name, DeploymentOptions options)
    : options_(std::move(options)),
      stack_(std::make_unique<local_stack::LocalStack>(
          "chaos-" + name,
          local_stack::StackParts{.redis = !options_.redis_cluster, .redis_cluster = options_.redis_cluster})) {
  try {
    std::string redis_url = stack_->redis_url();
    if (options_.redis_cluster) {
      options_.environment["CUSTOMER_ID_REDIS_CLUSTER_NODES"] = stack_->redis_cluster_nodes();
      // Not used (redis.cluster_nodes wins), but the config file wants one.
      redis_url = "redis://" + stack_->redis_cluster_nodes().substr(0, stack_->redis_cluster_nodes().find(','));
    }
    for (int i = 0; i < options_.instances; ++i) {
      auto server = std::make_unique<local_stack::ServerProcess>();
      local_stack::ServerOptions server_options;
      server_options.postgres_url = stack_->postgres_url();
      server_options.redis_url = redis_url;
      server_options.kafka_brokers = stack_->kafka_bootstrap();
      server_options.environment = options_.environment;
      server_options.binary = options_.server_binary;
      server_options.extra_config = local_stack::load_test_config();
      const std::string error = server->start(server_options);
      servers_.push_back(std::move(server));
      if (!error.empty()) throw std::runtime_error("instance " + std::to_string(i) + ": " + error);
      channels_.push_back(tls_channel(servers_.back()->port()));
    }
    if (options_.load_balancer) start_load_balancer();
  } catch (...) {
    shut_down();
    throw;
  }
}

Deployment::~Deployment() { shut_down(); }

void Deployment::start_load_balancer() {
  std::vector<testing::HaProxyBackend> backends;
  for (const auto& server : servers_) backends.push_back({server->port(), server->http_port()});
  proxy_ = std::make_unique<testing::HaProxy>(local_stack::source_dir(), local_stack::dev_keys_dir(), backends,
                                              stack_->dir());
  if (!proxy_->started()) throw std::runtime_error("haproxy did not start (scripts/deps.sh installs it)");
  proxy_channels_ = {tls_channel(proxy_->grpc_port())};
  // Listening, and an instance answers a read through it (nobody is in the
  // store yet: an empty answer); then its health checks have seen every
  // instance up (rise 2 x inter 500 ms).
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!present_customers(stack_->postgres_url(), proxy_channels_.front()).empty()) {
    if (std::chrono::steady_clock::now() > until) {
      throw std::runtime_error("haproxy did not pass calls on; its log: " + local_stack::read_text(proxy_->log_file()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
}

void Deployment::shut_down() {
  proxy_channels_.clear();
  proxy_.reset();    // stopped by its PID
  servers_.clear();  // each stops its server by PID
  stack_.reset();    // stops its servers by PID, removes the directory
}

void Deployment::save_logs(const std::filesystem::path& to) const {
  std::error_code ignored;
  std::filesystem::create_directories(to, ignored);
  if (proxy_) {
    std::filesystem::copy_file(proxy_->log_file(), to / "haproxy.log",
                               std::filesystem::copy_options::overwrite_existing, ignored);
  }
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    std::filesystem::copy_file(servers_[i]->log_file(), to / ("instance-" + std::to_string(i) + ".log"),
                               std::filesystem::copy_options::overwrite_existing, ignored);
  }
  std::filesystem::copy_file(stack_->redis_dir() / "redis.log", to / "redis.log",
                             std::filesystem::copy_options::overwrite_existing, ignored);
  for (const auto& node : std::filesystem::directory_iterator(stack_->redis_cluster_dir(), ignored)) {
    std::filesystem::copy_file(node.path() / "redis.log", to / ("redis-" + node.path().filename().string() + ".log"),
                               std::filesystem::copy_options::overwrite_existing, ignored);
  }
  std::filesystem::copy_file(stack_->postgres_dir() / "server.log", to / "postgres.log",
                             std::filesystem::copy_options::overwrite_existing, ignored);
  // The ledger itself, as CSV.
  for (const char* query :
       {"visits ORDER BY customer_id, seq", "zone_transitions ORDER BY customer_id, id",
        "(SELECT event_id, store_id, customer_id, event_type, occurred_at, created_at, sent_at, seq "
        "FROM outbox) AS o ORDER BY customer_id, seq"}) {
    const std::string sql = std::string("SELECT * FROM ") + query;
    const std::string name =
        std::string(query).starts_with("(") ? "outbox" : std::string(query).substr(0, std::string(query).find(' '));
    std::ofstream(to / (name + ".csv")) << testing::psql(stack_->postgres_url(),
                                                         "COPY (" + sql + ") TO STDOUT WITH CSV HEADER");
  }
}

std::map<std::string, std::set<int>> Deployment::instances_serving(const std::string& prefix) const {
  std::map<std::string, std::set<int>> serving;
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    std::ifstream log(servers_[i]->log_file());
    for (std::string line; std::getline(log, line);) {
      const auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!entry.is_object() || entry.value("event", "") != "identify.moved") continue;
      const std::string customer = entry.value("customer_id", "");
      if (customer.starts_with(prefix)) serving[customer].insert(static_cast<int>(i));
    }
  }
  return serving;
}

void Deployment::kill_instance(int i) { instance(i).kill_now(); }

int Deployment::terminate_instance(int i) { return instance(i).stop(); }

void Deployment::restart_instance(int i, const std::map<std::string, std::string>& environment) {
  local_stack::ServerProcess& server = instance(i);
  std::string error;
  // The port was just released; another process may hold it for a moment.
  for (int attempt = 0; attempt < 5; ++attempt) {
    error = server.restart(environment);
    if (error.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw std::runtime_error("restarting instance " + std::to_string(i) + ": " + error);
}

void Deployment::revive_all() {
  for (int i = 0; i < instances(); ++i) {
    if (instance(i).exited()) restart_instance(i);
  }
}

int Deployment::relay_leader() {
  int client_port = 0;
  try {
    pqxx::connection connection(stack_->postgres_url());
    pqxx::read_transaction tx(connection);
    const auto rows = tx.exec(
        "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND a.client_port IS NOT NULL");
    if (rows.empty()) return -1;
    client_port = rows[0][0].as<int>();
  } catch (const std::exception&) {
    return -1;
  }
  for (int i = 0; i < instances(); ++i) {
    const pid_t pid = instance(i).pid();
    if (pid <= 0) continue;
    const std::string inode = inode_of_local_port(pid, client_port);
    if (!inode.empty() && socket_inodes(pid).contains(inode)) return i;
  }
  return -1;
}

int Deployment::kill_redis_master() {
  if (stack_->redis_cluster_nodes().empty()) throw std::runtime_error("no Redis Cluster in this deployment");
  for (const int asked : node_ports(stack_->redis_cluster_nodes())) {
    for (const ClusterNode& node : cluster_nodes(asked)) {
      if (!has_flag(node.flags, "master") || has_flag(node.flags, "fail") || !node.serves_slots) continue;
      std::ifstream file(stack_->redis_cluster_dir() / std::to_string(node.port) / "redis.pid");
      pid_t pid = -1;
      file >> pid;
      if (pid <= 0 || kill(pid, SIGKILL) != 0) throw std::runtime_error("cannot kill the Redis master's process");
      return node.port;
    }
  }
  throw std::runtime_error("no Redis master serving slots was found");
}

bool Deployment::wait_for_redis_failover(int killed_port, std::chrono::seconds timeout) {
  // Any node but the killed one sees the cluster as the clients will.
  const std::vector<int> ports = node_ports(stack_->redis_cluster_nodes());
  const auto witness =
      std::find_if(ports.begin(), ports.end(), [killed_port](int port) { return port != killed_port; });
  if (witness == ports.end()) return false;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (redis_cli(*witness, "cluster info").find("cluster_state:ok") != std::string::npos) {
      // Failed, and its slots moved to the replica it had.
      for (const ClusterNode& node : cluster_nodes(*witness)) {
        if (node.port == killed_port && has_flag(node.flags, "fail") && !node.serves_slots) return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

void Deployment::kafka_down() { kill(stack_->kafka_pid(), SIGUSR1); }
void Deployment::kafka_up() { kill(stack_->kafka_pid(), SIGUSR2); }

}  // namespace tastesync::chaos
