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
    : options_(std::move(options)), dir_(testing::make_server_dir("chaos-" + name)) {
  try {
    postgres_url_ = testing::start_postgres(dir_ / "postgres");
    if (options_.redis_cluster) {
      redis_cluster_nodes_ = testing::start_redis_cluster(dir_ / "redis-cluster");
      options_.environment["CUSTOMER_ID_REDIS_CLUSTER_NODES"] = redis_cluster_nodes_;
      redis_url_ = "redis://" + redis_cluster_nodes_.substr(0, redis_cluster_nodes_.find(','));  // not used
    } else {
      redis_url_ = testing::start_redis(dir_ / "redis");
    }
    kafka_ = testing::start_devkafka(dir_ / "kafka");
    for (int i = 0; i < options_.instances; ++i) {
      auto server = std::make_unique<bench::ServerProcess>();
      bench::ServerOptions server_options;
      server_options.postgres_url = postgres_url_;
      server_options.redis_url = redis_url_;
      server_options.kafka_brokers = kafka_.bootstrap;
      server_options.environment = options_.environment;
      server_options.binary = options_.server_binary;
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
  proxy_ = std::make_unique<testing::HaProxy>(bench::source_dir(), bench::dev_keys_dir(), backends, dir_);
  if (!proxy_->started()) throw std::runtime_error("haproxy did not start (scripts/deps.sh installs it)");
  proxy_channels_ = {tls_channel(proxy_->grpc_port())};
  // Listening, and an instance answers a read through it (nobody is in the
  // store yet: an empty answer); then its health checks have seen every
  // instance up (rise 2 x inter 500 ms).
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!present_customers(postgres_url_, proxy_channels_.front()).empty()) {
    if (std::chrono::steady_clock::now() > until) {
      throw std::runtime_error("haproxy did not pass calls on; its log: " + bench::read_text(proxy_->log_file()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
}

void Deployment::shut_down() {
  proxy_channels_.clear();
  proxy_.reset();    // stopped by its PID
  servers_.clear();  // each stops its server by PID
  if (redis_paused_) resume_redis();
  testing::stop_devkafka(kafka_);
  // By the PIDs the scripts recorded in the data directories.
  if (std::filesystem::exists(dir_ / "redis")) testing::stop_redis(dir_ / "redis");
  if (std::filesystem::exists(dir_ / "redis-cluster")) testing::stop_redis_cluster(dir_ / "redis-cluster");
  if (std::filesystem::exists(dir_ / "postgres" / "PG_VERSION")) testing::stop_postgres(dir_ / "postgres");
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
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
  std::filesystem::copy_file(dir_ / "redis" / "redis.log", to / "redis.log",
                             std::filesystem::copy_options::overwrite_existing, ignored);
  for (const auto& node : std::filesystem::directory_iterator(dir_ / "redis-cluster", ignored)) {
    std::filesystem::copy_file(node.path() / "redis.log", to / ("redis-" + node.path().filename().string() + ".log"),
                               std::filesystem::copy_options::overwrite_existing, ignored);
  }
  std::filesystem::copy_file(dir_ / "postgres" / "server.log", to / "postgres.log",
                             std::filesystem::copy_options::overwrite_existing, ignored);
  // The ledger itself, as CSV.
  for (const char* query :
       {"visits ORDER BY customer_id, seq", "zone_transitions ORDER BY customer_id, id",
        "(SELECT event_id, store_id, customer_id, event_type, occurred_at, created_at, sent_at, seq "
        "FROM outbox) AS o ORDER BY customer_id, seq"}) {
    const std::string sql = std::string("SELECT * FROM ") + query;
    const std::string name =
        std::string(query).starts_with("(") ? "outbox" : std::string(query).substr(0, std::string(query).find(' '));
    std::ofstream(to / (name + ".csv")) << testing::psql(postgres_url_, "COPY (" + sql + ") TO STDOUT WITH CSV HEADER");
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
  bench::ServerProcess& server = instance(i);
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
    pqxx::connection connection(postgres_url_);
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

pid_t Deployment::redis_pid() const {
  std::ifstream file(dir_ / "redis" / "redis.pid");
  pid_t pid = -1;
  file >> pid;
  return pid;
}

void Deployment::stop_redis() { testing::stop_redis(dir_ / "redis"); }

void Deployment::start_redis() {
  // The same port again (scripts/redis.sh keeps it in the data directory).
  if (testing::start_redis(dir_ / "redis") != redis_url_) throw std::runtime_error("Redis came back elsewhere");
}

void Deployment::pause_redis() {
  const pid_t pid = redis_pid();
  if (pid <= 0 || kill(pid, SIGSTOP) != 0) throw std::runtime_error("cannot pause Redis");
  redis_paused_ = true;
}

void Deployment::resume_redis() {
  const pid_t pid = redis_pid();
  if (pid > 0) kill(pid, SIGCONT);
  redis_paused_ = false;
}

int Deployment::kill_redis_master() {
  if (redis_cluster_nodes_.empty()) throw std::runtime_error("no Redis Cluster in this deployment");
  for (const int asked : node_ports(redis_cluster_nodes_)) {
    for (const ClusterNode& node : cluster_nodes(asked)) {
      if (!has_flag(node.flags, "master") || has_flag(node.flags, "fail") || !node.serves_slots) continue;
      std::ifstream file(dir_ / "redis-cluster" / std::to_string(node.port) / "redis.pid");
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
  const std::vector<int> ports = node_ports(redis_cluster_nodes_);
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

void Deployment::stop_postgres() { testing::stop_postgres(dir_ / "postgres"); }

void Deployment::start_postgres() {
  if (testing::start_postgres(dir_ / "postgres") != postgres_url_) {
    throw std::runtime_error("PostgreSQL came back elsewhere");
  }
}

void Deployment::kafka_down() { kill(kafka_.pid, SIGUSR1); }
void Deployment::kafka_up() { kill(kafka_.pid, SIGUSR2); }

}  // namespace tastesync::chaos
