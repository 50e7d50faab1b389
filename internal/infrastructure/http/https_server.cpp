#include "infrastructure/http/https_server.h"

#include <openssl/ssl.h>
#include <poll.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "infrastructure/http/request_deadline.h"
#include "infrastructure/http/router.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {
class Connection;
}  // namespace

// Connections keep the state alive (they may be answered from a worker thread
// after the server began stopping), and the io_context inside it keeps every
// connection with an operation pending: stop() must therefore end every
// connection's operations itself, or the two hold each other forever.
// Members are declared so that the io_context, and with it every connection,
// goes before the TLS context the connections use.
struct HttpsServer::State {
  State(const HttpsServerOptions& opts, RequestHandler request_handler)
      : options(opts), handler(std::move(request_handler)), ioc(static_cast<int>(opts.threads)) {}

  HttpsServerOptions options;
  RequestHandler handler;
  ssl::context tls{ssl::context::tls_server};
  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  // Without it the threads would return from run() the moment nothing is
  // pending in Asio, e.g. while draining with every request in a worker:
  // their answers would then never be written.
  net::executor_work_guard<net::io_context::executor_type> keep_running{ioc.get_executor()};
  std::vector<std::thread> threads;
  int port = 0;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> in_flight{0};
  mutable std::mutex idle_mutex;
  mutable std::condition_variable idle;
  // Every open connection, so that stop() can close them (each removes
  // itself when it is released).
  std::mutex connections_mutex;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections;
  // io_context threads still in run(): stop() waits for them to run out of
  // work before it joins them.
  std::size_t running_threads = 0;
  std::condition_variable threads_done;  // guarded by idle_mutex

  void answered() {
    if (in_flight.fetch_sub(1) == 1) {
      std::scoped_lock lock(idle_mutex);
      idle.notify_all();
    }
  }
};

namespace {

using State = HttpsServer::State;

// How often an idle event stream carries a comment line: proxies keep it
// open, and a client that went away is noticed by the failed write.
constexpr std::chrono::seconds kStreamHeartbeat{15};
// How long stop() waits for the connections it closed to be released.
constexpr std::chrono::seconds kStopWait{5};

// One client connection: TLS handshake, then requests one at a time
// (keep-alive) until the client closes, a deadline passes or the server
// drains.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, std::shared_ptr<State> state)
      : stream_(std::move(socket), state->tls), state_(std::move(state)) {}
  ~Connection() {
    std::scoped_lock lock(state_->connections_mutex);
    state_->connections.erase(this);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void run() {
    {
      std::scoped_lock lock(state_->connections_mutex);
      state_->connections.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

  // The server stops: whatever this connection waits for (handshake, read,
  // write, heartbeat) ends now with operation_aborted, which releases it.
  void abort() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_ended_ = true;
      self->kept_.reset();
      if (self->heartbeat_) self->heartbeat_->cancel();
      beast::get_lowest_layer(self->stream_).close();
    });
  }

 private:
  void handshake() {
    beast::get_lowest_layer(stream_).expires_after(state_->options.request_timeout);
    stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      // A refused TLS 1.2 client ends here (protocol version alert).
      if (!ec) self->read();
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(state_->options.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream) return close();
    if (ec == bhttp::error::body_limit) {
      version_ = parser_->get().version();
      return send(
          transport_error(413, "RESOURCE_EXHAUSTED",
                          "request body is larger than " + std::to_string(state_->options.max_body_bytes) + " bytes"),
          true, false);
    }
    if (ec) return;  // deadline, reset or malformed: nothing to answer
    auto& message = parser_->get();
    version_ = message.version();
    const bool keep_alive = message.keep_alive();
    if (state_->draining.load()) {
      return send(transport_error(503, "UNAVAILABLE", "server is shutting down; retry"), true, false);
    }
    HttpRequest request;
    request.method = std::string(message.method_string().data(), message.method_string().size());
    const std::string_view target(message.target().data(), message.target().size());
    const std::size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
    if (const auto it = message.find(bhttp::field::authorization); it != message.end()) {
      request.authorization = std::string(it->value().data(), it->value().size());
    }
    request.body = std::move(message.body());
    std::optional<std::string_view> grpc_timeout;
    if (const auto it = message.find("grpc-timeout"); it != message.end()) {
      grpc_timeout = std::string_view(it->value().data(), it->value().size());
    }
    request.deadline =
        request_deadline(std::chrono::steady_clock::now(), grpc_timeout, state_->options.request_timeout);
    request.client_gone = [self = shared_from_this()] { return self->peer_closed(); };
    state_->in_flight.fetch_add(1);
    // The handler may take as long as the use case needs; the deadline is on
    // the client's reading and writing only.
    beast::get_lowest_layer(stream_).expires_never();
    state_->handler(std::move(request), [self = shared_from_this(), keep_alive](HttpResponse response) {
      if (self->state_->stopped.load()) return self->state_->answered();  // the socket is gone
      net::post(self->stream_.get_executor(), [self, keep_alive, response = std::move(response)]() mutable {
        if (response.open_stream) return self->start_stream(response);
        self->send(std::move(response), !keep_alive || self->state_->draining.load(), true);
      });
    });
  }

  // Server-sent events: the head by hand (no length: the body ends when the
  // connection does), then whatever the route's stream sends, in order.
  class Stream final : public EventStream {
   public:
    explicit Stream(std::weak_ptr<Connection> connection) : connection_(std::move(connection)) {}
    bool send(std::string chunk) override {
      auto connection = connection_.lock();
      if (!connection || connection->stream_ended_.load()) return false;
      net::post(connection->stream_.get_executor(),
                [connection, chunk = std::move(chunk)]() mutable { connection->queue_chunk(std::move(chunk)); });
      return true;
    }
    void keep(std::shared_ptr<void> resource) override {
      auto connection = connection_.lock();
      if (!connection || connection->stream_ended_.load()) return;
      net::post(connection->stream_.get_executor(), [connection, resource = std::move(resource)]() mutable {
        if (!connection->stream_ended_.load()) connection->kept_ = std::move(resource);
      });
    }

   private:
    std::weak_ptr<Connection> connection_;
  };

  void start_stream(const HttpResponse& answer) {
    // Answered once the head leaves: a drain does not wait for a stream.
    state_->answered();
    std::string head = "HTTP/1.1 " + std::to_string(answer.status) +
                       " OK\r\nServer: customer-id\r\nContent-Type: text/event-stream\r\n"
                       "Cache-Control: no-store\r\nConnection: close\r\n";
    for (const auto& [name, value] : answer.headers) {
      head.append(name).append(": ").append(value).append("\r\n");
    }
    head += "\r\n";
    queue_chunk(std::move(head));
    answer.open_stream(std::make_shared<Stream>(weak_from_this()));
    heartbeat_.emplace(stream_.get_executor());
    beat();
    // Nothing more is read: a read ending (the client closed) ends the stream.
    stream_.async_read_some(net::buffer(ignored_),
                            [self = shared_from_this()](beast::error_code, std::size_t) { self->end_stream(); });
  }

  void beat() {
    heartbeat_->expires_after(kStreamHeartbeat);
    heartbeat_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stream_ended_.load()) return;
      if (self->state_->draining.load()) return self->end_stream();
      self->queue_chunk(": still here\n\n");
      self->beat();
    });
  }

  void queue_chunk(std::string chunk) {
    if (stream_ended_.load()) return;
    outbox_.push_back(std::move(chunk));
    if (!writing_) write_next();
  }

  void write_next() {
    writing_ = true;
    beast::get_lowest_layer(stream_).expires_after(state_->options.request_timeout);
    net::async_write(stream_, net::buffer(outbox_.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->outbox_.pop_front();
                       if (ec) return self->end_stream();
                       if (self->outbox_.empty()) {
                         self->writing_ = false;
                         beast::get_lowest_layer(self->stream_).expires_never();
                         return;
                       }
                       self->write_next();
                     });
  }

  void end_stream() {
    if (stream_ended_.exchange(true)) return;
    kept_.reset();  // e.g. the floor feed's subscription
    if (heartbeat_) heartbeat_->cancel();
    beast::get_lowest_layer(stream_).close();
  }

  void send(HttpResponse answer, bool close_after, bool counted) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(version_);
    message->result(answer.status);
    message->set(bhttp::field::server, "customer-id");
    message->set(bhttp::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) message->set(name, value);
    message->body() = std::move(answer.body);
    message->keep_alive(!close_after);
    message->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(state_->options.request_timeout);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message, close_after, counted](beast::error_code ec, std::size_t) {
                         if (counted) self->state_->answered();
                         if (ec) return;
                         if (close_after) {
                           self->close();
                         } else {
                           self->read();
                         }
                       });
  }

  // The client shut its side of the connection (it gave up waiting, or
  // crashed) while its request waits: a look at the socket, without reading,
  // so it is safe from a worker thread while Asio owns the socket.
  bool peer_closed() {
    pollfd watched{};
    watched.fd = beast::get_lowest_layer(stream_).socket().native_handle();
    watched.events = POLLRDHUP;
    if (watched.fd < 0 || ::poll(&watched, 1, 0) != 1) return false;
    return (watched.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  void close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  std::shared_ptr<State> state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  unsigned version_ = 11;
  // Event streams only (start_stream), touched on the connection's strand.
  std::atomic<bool> stream_ended_{false};
  std::deque<std::string> outbox_;
  bool writing_ = false;
  std::shared_ptr<void> kept_;
  std::optional<net::steady_timer> heartbeat_;
  char ignored_[64] = {};
};

void accept(const std::shared_ptr<State>& state) {
  state->acceptor.async_accept(net::make_strand(state->ioc), [state](beast::error_code ec, tcp::socket socket) {
    if (!state->acceptor.is_open()) return;  // draining
    // Accepted just before the acceptor closed: draining takes no new
    // connection, so the client sees it closed at once instead of a TLS
    // handshake that stop() would cut.
    if (state->draining.load()) {
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    if (!ec) std::make_shared<Connection>(std::move(socket), state)->run();
    accept(state);
  });
}

domain::Result<tcp::endpoint> parse_listen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return domain::fail(domain::ErrorCode::kInvalidArgument, "must be host:port, got '" + listen + "'", "http.listen");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = 70000;
  }
  if (ec || port > 65535) {
    return domain::fail(domain::ErrorCode::kInvalidArgument, "must be an IP address and port, got '" + listen + "'",
                        "http.listen");
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

domain::Result<std::unique_ptr<HttpsServer>> HttpsServer::start(const HttpsServerOptions& options,
                                                                RequestHandler handler) {
  auto endpoint = parse_listen(options.listen);
  if (!endpoint) return std::unexpected(endpoint.error());
  auto state = std::make_shared<State>(options, std::move(handler));

  // TLS 1.3 only (docs/design.md): older clients fail the handshake.
  SSL_CTX_set_min_proto_version(state->tls.native_handle(), TLS1_3_VERSION);
  boost::system::error_code ec;
  state->tls.use_certificate_chain(net::buffer(options.cert_pem), ec);
  if (!ec) state->tls.use_private_key(net::buffer(options.key_pem), ssl::context::pem, ec);
  if (ec) {
    return domain::fail(domain::ErrorCode::kInvalidArgument, "unusable certificate or key: " + ec.message(),
                        "http.cert_file");
  }

  state->acceptor.open(endpoint->protocol(), ec);
  if (!ec) state->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(*endpoint, ec);
  if (!ec) state->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return domain::fail(domain::ErrorCode::kUnavailable, "cannot listen on " + options.listen + ": " + ec.message(),
                        "http.listen");
  }
  state->port = state->acceptor.local_endpoint().port();
  accept(state);
  const std::size_t threads = std::max<std::size_t>(options.threads, 1);
  state->running_threads = threads;
  for (std::size_t i = 0; i < threads; ++i) {
    state->threads.emplace_back([raw = state.get()] {
      for (;;) {
        try {
          raw->ioc.run();
          break;
        } catch (const std::exception& e) {
          log::error("http.thread_failed", {{"reason", e.what()}});
        }
      }
      std::scoped_lock lock(raw->idle_mutex);
      --raw->running_threads;
      raw->threads_done.notify_all();
    });
  }
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(state)));
}

HttpsServer::~HttpsServer() { stop(); }

int HttpsServer::port() const { return state_->port; }

void HttpsServer::drain() {
  if (state_->draining.exchange(true)) return;
  net::post(state_->acceptor.get_executor(), [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
}

std::size_t HttpsServer::in_flight() const { return state_->in_flight.load(); }

bool HttpsServer::wait_idle(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(state_->idle_mutex);
  return state_->idle.wait_until(lock, deadline, [this] { return state_->in_flight.load() == 0; });
}

void HttpsServer::stop() {
  if (state_->stopped.exchange(true)) return;
  state_->draining = true;
  net::post(state_->acceptor.get_executor(), [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::scoped_lock lock(state_->connections_mutex);
    for (const auto& [raw, weak] : state_->connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  for (const auto& connection : open) connection->abort();
  open.clear();
  // With every operation ended the threads run out of work and return; each
  // handler that held a connection has then run and released it. A request
  // still in a worker holds only its connection, which is released when the
  // worker answers (see on_read). The wait is bounded should a handler hang.
  state_->keep_running.reset();
  bool ran_out = false;
  {
    std::unique_lock lock(state_->idle_mutex);
    ran_out = state_->threads_done.wait_for(lock, kStopWait, [this] { return state_->running_threads == 0; });
  }
  if (!ran_out) {
    std::size_t left = 0;
    {
      std::scoped_lock lock(state_->connections_mutex);
      left = state_->connections.size();
    }
    log::warn("http.stop_incomplete", {{"connections", left}});
    state_->ioc.stop();
  }
  for (std::thread& thread : state_->threads) thread.join();
}

}  // namespace tastesync::infrastructure::http
