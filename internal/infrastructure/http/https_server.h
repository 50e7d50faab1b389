#pragma once

// The HTTPS/1.1 server under the JSON gateway (Boost.Beast over Asio SSL):
// TLS 1.3 only, keep-alive, a bounded body, a deadline on every read and
// write, a few threads. It knows nothing of routes: every request goes to
// one RequestHandler.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "domain/error.h"
#include "infrastructure/http/http_types.h"

namespace tastesync::infrastructure::http {

struct HttpsServerOptions {
  std::string listen = "127.0.0.1:8443";  // host:port; port 0 picks a free one
  std::size_t threads = 2;
  std::size_t max_body_bytes = 64 * 1024;  // larger bodies get 413
  // Limit on receiving a request (and on an idle keep-alive connection) and
  // on sending the answer; a slow client cannot hold a connection forever.
  // Also each request's deadline, unless a grpc-timeout header asks for less
  // (request_deadline.h).
  std::chrono::seconds request_timeout{15};
  std::string cert_pem;  // server certificate chain
  std::string key_pem;   // its private key
};

class HttpsServer {
 public:
  // Binds and starts serving; `handler` outlives the server.
  static domain::Result<std::unique_ptr<HttpsServer>> start(const HttpsServerOptions& options, RequestHandler handler);
  ~HttpsServer();  // stop()
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  int port() const;

  // Draining: no new connections; a request arriving on an open connection is
  // refused with 503 and the connection closed; requests already accepted
  // finish and are answered.
  void drain();
  // Requests accepted and not yet answered.
  std::size_t in_flight() const;
  // Waits until none is in flight or `deadline` passes; true when none is.
  bool wait_idle(std::chrono::steady_clock::time_point deadline) const;
  // Closes every connection and joins the threads.
  void stop();

  struct State;  // shared with the connections

 private:
  explicit HttpsServer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace tastesync::infrastructure::http
