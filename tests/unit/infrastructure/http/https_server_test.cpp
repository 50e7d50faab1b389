// Stopping the HTTPS server (https_server.h): every connection it holds is
// closed and released, also one that never finished its TLS handshake, so
// nothing is left for the process's exit to drop (LeakSanitizer saw an
// HTTPS connection accepted during the drain still held at exit).

#include "infrastructure/http/https_server.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <string>
#include <utility>

namespace tastesync::infrastructure::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

std::string drain_bio(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return text;
}

// A throwaway self-signed P-256 certificate for localhost, made in memory.
TestCertificate make_certificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  X509_sign(cert, key, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  X509_free(cert);
  EVP_PKEY_free(key);
  return {drain_bio(cert_bio), drain_bio(key_bio)};
}

// Waits at most 20 s for the socket to become readable (data, end of
// stream or reset): a server that forgets a connection fails the test
// instead of hanging it. No claim on how fast it closes.
bool readable_soon(int fd) {
  pollfd watched{};
  watched.fd = fd;
  watched.events = POLLIN;
  return ::poll(&watched, 1, 20000) == 1;
}

struct StartedServer {
  std::unique_ptr<HttpsServer> server;
  // Held by the handler, so by the server's state: expired once the server
  // and everything it kept (connections included) are gone.
  std::weak_ptr<int> handler_alive;
};

StartedServer start_server() {
  const TestCertificate certificate = make_certificate();
  HttpsServerOptions options;
  options.listen = "127.0.0.1:0";
  // Far longer than the test: a connection the server forgets is not closed
  // by its own deadline while the test looks.
  options.request_timeout = std::chrono::seconds(300);
  options.cert_pem = certificate.cert_pem;
  options.key_pem = certificate.key_pem;
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> alive = token;
  auto server = HttpsServer::start(options, [token](const HttpRequest&, const Respond& respond) {
    HttpResponse answer;
    answer.body = "{}";
    respond(std::move(answer));
  });
  EXPECT_TRUE(server.has_value()) << (server ? "" : server.error().message);
  return {server ? std::move(*server) : nullptr, alive};
}

// One keep-alive request over TLS, answered; the connection stays open.
class KeepAliveClient {
 public:
  explicit KeepAliveClient(int port) : stream_(io_, tls_) {
    tls_.set_verify_mode(ssl::verify_none);
    net::connect(stream_.lowest_layer(), tcp::resolver(io_).resolve("127.0.0.1", std::to_string(port)));
    stream_.handshake(ssl::stream_base::client);
    const std::string request = "GET /anything HTTP/1.1\r\nHost: localhost\r\n\r\n";
    net::write(stream_, net::buffer(request));
    boost::system::error_code ec;
    net::read_until(stream_, net::dynamic_buffer(answer_), "{}", ec);
  }
  const std::string& answer() const { return answer_; }
  // True when the server closed the connection (end of stream or reset).
  bool closed_by_server() {
    if (!readable_soon(stream_.next_layer().native_handle())) return false;
    char byte = 0;
    boost::system::error_code ec;
    stream_.read_some(net::buffer(&byte, 1), ec);
    return static_cast<bool>(ec);
  }

 private:
  net::io_context io_;
  ssl::context tls_{ssl::context::tls_client};
  ssl::stream<tcp::socket> stream_;
  std::string answer_;
};

// A client that connects and never starts TLS (a port scanner, a stalled phone).
class SilentClient {
 public:
  explicit SilentClient(int port) : socket_(io_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  }
  bool closed_by_server() {
    if (!readable_soon(socket_.native_handle())) return false;
    char byte = 0;
    boost::system::error_code ec;
    socket_.read_some(net::buffer(&byte, 1), ec);
    return static_cast<bool>(ec);
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
};

TEST(HttpsServerStop, ClosesAndReleasesAnIdleKeepAliveConnection) {
  auto [server, handler_alive] = start_server();
  ASSERT_TRUE(server);
  KeepAliveClient client(server->port());
  ASSERT_NE(client.answer().find("200 OK"), std::string::npos) << client.answer();

  server->stop();
  EXPECT_TRUE(client.closed_by_server());
  server.reset();
  EXPECT_TRUE(handler_alive.expired()) << "the stopped server still holds its state (a connection keeps it)";
}

TEST(HttpsServerStop, AfterADrainReleasesAConnectionStillInItsHandshake) {
  auto [server, handler_alive] = start_server();
  ASSERT_TRUE(server);
  SilentClient silent(server->port());
  // Connections are accepted in order: once the later client is answered,
  // the silent one is the server's, waiting for a ClientHello.
  KeepAliveClient later(server->port());
  ASSERT_NE(later.answer().find("200 OK"), std::string::npos) << later.answer();

  server->drain();
  EXPECT_TRUE(server->wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(30)));
  server->stop();
  EXPECT_TRUE(silent.closed_by_server());
  EXPECT_TRUE(later.closed_by_server());
  server.reset();
  EXPECT_TRUE(handler_alive.expired()) << "a connection in its TLS handshake outlived the stopped server";
}

TEST(HttpsServerStop, StoppingTwiceIsHarmless) {
  auto [server, handler_alive] = start_server();
  ASSERT_TRUE(server);
  server->drain();
  server->stop();
  server->stop();
  server.reset();
  EXPECT_TRUE(handler_alive.expired());
}

}  // namespace
}  // namespace tastesync::infrastructure::http
