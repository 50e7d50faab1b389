#pragma once

// HAProxy with the project's own configuration (deploy/haproxy/haproxy.cfg)
// in front of running customer-id instances, for the load-balancer
// integration test and the fault suite's cluster scenario. It listens on two
// free 127.0.0.1 ports (gRPC and HTTPS/JSON), terminates TLS with the dev
// certificate and re-encrypts to the instances; it is stopped by its PID.

#include <sys/types.h>

#include <filesystem>
#include <vector>

namespace tastesync::testing {

struct HaProxyBackend {
  int grpc_port = 0;
  int https_port = 0;
};

class HaProxy {
 public:
  // `source` is the repository (its deploy/haproxy/haproxy.cfg), `keys` the
  // dev keys directory (server.crt/.key, ca.crt); `dir` receives lb.pem and
  // haproxy.log. Check started() before use.
  HaProxy(const std::filesystem::path& source, const std::filesystem::path& keys,
          const std::vector<HaProxyBackend>& instances, const std::filesystem::path& dir);
  ~HaProxy();
  HaProxy(const HaProxy&) = delete;
  HaProxy& operator=(const HaProxy&) = delete;

  bool started() const { return pid_ > 0; }
  int grpc_port() const { return grpc_port_; }
  int https_port() const { return https_port_; }
  std::filesystem::path log_file() const { return log_; }

 private:
  int grpc_port_;
  int https_port_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

// A port nothing listens on now (HAProxy needs its ports named up front).
int free_port();

}  // namespace tastesync::testing
