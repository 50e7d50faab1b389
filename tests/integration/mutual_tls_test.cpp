// Optional mutual TLS (grpc.client_ca_file): with it, the real server admits
// a client presenting a certificate from the dev CA (scripts/keys.sh
// client.crt) and refuses the handshake of one presenting none.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "admin.grpc.pb.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

std::shared_ptr<grpc::Channel> channel_to(const RunningServer& server, bool with_client_cert) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = read_text(dev_keys_dir() / "ca.crt");
  if (with_client_cert) {
    ssl.pem_private_key = read_text(dev_keys_dir() / "client.key");
    ssl.pem_cert_chain = read_text(dev_keys_dir() / "client.crt");
  }
  return grpc::CreateChannel("localhost:" + std::to_string(server.port()), grpc::SslCredentials(ssl));
}

grpc::Status list_visits(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::Admin::NewStub(channel);
  auto context = authorized(token_for("recommendations", application::Role::kService));
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::ListCustomerVisitsRequest request;
  request.set_customer_id(unique_customer("mtls"));
  request.set_limit(5);
  v1::ListCustomerVisitsResponse response;
  return stub->ListCustomerVisits(context.get(), request, &response);
}

TEST(MutualTlsTest, ClientCertificateFromTheCaIsRequired) {
  ServerOptions options;
  options.environment["CUSTOMER_ID_GRPC_CLIENT_CA_FILE"] = (dev_keys_dir() / "ca.crt").string();
  RunningServer server(options);
  ASSERT_GT(server.port(), 0);
  const grpc::Status with_cert = list_visits(channel_to(server, true));
  EXPECT_TRUE(with_cert.ok()) << with_cert.error_code() << " " << with_cert.error_message();
  const grpc::Status without_cert = list_visits(channel_to(server, false));
  EXPECT_EQ(without_cert.error_code(), grpc::StatusCode::UNAVAILABLE) << without_cert.error_message();
}

TEST(MutualTlsTest, WithoutClientCaNoClientCertificateIsNeeded) {
  RunningServer server;
  ASSERT_GT(server.port(), 0);
  const grpc::Status without_cert = list_visits(channel_to(server, false));
  EXPECT_TRUE(without_cert.ok()) << without_cert.error_code() << " " << without_cert.error_message();
}

}  // namespace
}  // namespace tastesync::testing
