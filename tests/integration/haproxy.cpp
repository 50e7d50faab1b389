#include "integration/haproxy.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

extern char** environ;

namespace tastesync::testing {
namespace {

std::string file_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

HaProxy::HaProxy(const std::filesystem::path& source, const std::filesystem::path& keys,
                 const std::vector<HaProxyBackend>& instances, const std::filesystem::path& dir)
    : grpc_port_(free_port()), https_port_(free_port()), log_(dir / "haproxy.log") {
  const std::filesystem::path pem = dir / "lb.pem";
  std::ofstream(pem) << file_text(keys / "server.crt") << file_text(keys / "server.key");
  std::vector<std::string> env = {"CID_LB_GRPC=127.0.0.1:" + std::to_string(grpc_port_),
                                  "CID_LB_HTTPS=127.0.0.1:" + std::to_string(https_port_),
                                  "CID_LB_CERT=" + pem.string(), "CID_LB_CA=" + (keys / "ca.crt").string()};
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    env.push_back("CID_INSTANCE_" + n + "_GRPC=127.0.0.1:" + std::to_string(instances[i].grpc_port));
    env.push_back("CID_INSTANCE_" + n + "_HTTPS=127.0.0.1:" + std::to_string(instances[i].https_port));
  }
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string config = (source / "deploy/haproxy/haproxy.cfg").string();
  const std::string log = log_.string();
  std::vector<std::string> args = {"haproxy", "-db", "-f", config};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int spawned = posix_spawnp(&pid_, "haproxy", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) pid_ = -1;
}

HaProxy::~HaProxy() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

}  // namespace tastesync::testing
