#include "infrastructure/grpc/tls_config.h"

#include <grpcpp/security/server_credentials.h>

#include <cstdlib>

namespace tastesync::infrastructure::grpc_adapter {

// NOLINTNEXTLINE(concurrency-mt-unsafe): called first thing in main, before any thread.
void restrict_tls_to_1_3() { ::setenv("GRPC_SSL_CIPHER_SUITES", "ECDHE-ECDSA-AES256-GCM-SHA384", 1); }

std::shared_ptr<grpc::ServerCredentials> server_credentials(const TlsConfig& tls) {
  if (!tls.enabled) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({tls.key_pem, tls.cert_pem});
  if (!tls.client_ca_pem.empty()) {
    ssl.pem_root_certs = tls.client_ca_pem;
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace tastesync::infrastructure::grpc_adapter
