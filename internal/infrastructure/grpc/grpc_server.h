#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "application/ports/metrics_port.h"
#include "domain/error.h"

namespace tastesync::infrastructure::grpc_adapter {

struct GrpcServerOptions {
  std::string listen;  // host:port; port 0 picks a free one
  bool tls = true;
  std::string cert_pem;  // server certificate chain
  std::string key_pem;   // its private key
  // Mutual TLS: when set, clients must present a certificate chaining to
  // this CA (PEM), and the handshake fails without one.
  std::string client_ca_pem;
  int max_message_bytes = 64 * 1024;
  application::MetricsPort* metrics = nullptr;  // counts every call when set
};

// Call before the first gRPC object is created: gRPC 1.51 has no public
// setter for the minimum TLS version, so the TLS 1.2 cipher list is narrowed
// to an ECDSA-only suite while our certificate is RSA. A TLS 1.2 client then
// finds no shared cipher; TLS 1.3 suites are unaffected (docs/design.md).
void restrict_tls_to_1_3();

struct RunningServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;  // the port actually bound
};

// Builds and starts a server with health checking and reflection enabled.
domain::Result<RunningServer> start_grpc_server(const GrpcServerOptions& options,
                                                const std::vector<grpc::Service*>& services);

}  // namespace tastesync::infrastructure::grpc_adapter
