#pragma once

// TLS for the gRPC listener: TLS 1.3 only, optional mutual TLS.

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

namespace tastesync::infrastructure::grpc_adapter {

struct TlsConfig {
  bool enabled = true;
  std::string cert_pem;  // server certificate chain
  std::string key_pem;   // its private key
  // Mutual TLS: when set, clients must present a certificate chaining to
  // this CA (PEM), and the handshake fails without one.
  std::string client_ca_pem;
};

// Call before the first gRPC object is created: gRPC 1.51 has no public
// setter for the minimum TLS version, so the TLS 1.2 cipher list is narrowed
// to an ECDSA-only suite while our certificate is RSA. A TLS 1.2 client then
// finds no shared cipher; TLS 1.3 suites are unaffected (docs/design.md).
void restrict_tls_to_1_3();

// The listener's credentials (insecure when TLS is disabled, for local tools).
std::shared_ptr<grpc::ServerCredentials> server_credentials(const TlsConfig& tls);

}  // namespace tastesync::infrastructure::grpc_adapter
