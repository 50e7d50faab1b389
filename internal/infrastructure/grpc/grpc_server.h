#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "application/ports/metrics_port.h"
#include "domain/error.h"
#include "infrastructure/grpc/tls_config.h"

namespace tastesync::infrastructure::grpc_adapter {

struct GrpcServerOptions {
  std::string listen;  // host:port; port 0 picks a free one
  TlsConfig tls;
  int max_message_bytes = 64 * 1024;
  application::MetricsPort* metrics = nullptr;  // counts every call when set
};

struct RunningServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;  // the port actually bound
};

// Builds and starts a server with health checking and reflection enabled.
domain::Result<RunningServer> start_grpc_server(const GrpcServerOptions& options,
                                                const std::vector<grpc::Service*>& services);

}  // namespace tastesync::infrastructure::grpc_adapter
