#pragma once

// What the HTTPS server hands to the routes and gets back: plain strings, so
// routes need not know Beast.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tastesync::infrastructure::http {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::string query;   // after '?', undecoded
  std::optional<std::string> authorization;
  std::string body;
  // When the client stops waiting (request_deadline.h): the worker pool
  // starts no request after it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // True once the client has closed its connection: nobody reads the answer
  // any more. Optional; callable from any thread until the request is answered.
  std::function<bool()> client_gone;
};

// The open side of a server-sent events answer (text/event-stream), held by
// whoever feeds it; any thread.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Queues `chunk` ("data: ...\n\n") for the client; false once it has gone.
  virtual bool send(std::string chunk) = 0;
  // Keeps `resource` (a subscription) until the client goes or the server
  // stops, then releases it.
  virtual void keep(std::shared_ptr<void> resource) = 0;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: the answer is a stream of server-sent events. The server sends the
  // status and headers (not the body), then calls this once with the stream;
  // the connection stays open, with a comment line every 15 s, until the
  // client goes or the server drains.
  std::function<void(const std::shared_ptr<EventStream>&)> open_stream;
};

// Called exactly once per request, from any thread.
using Respond = std::function<void(HttpResponse)>;
using RequestHandler = std::function<void(HttpRequest, Respond)>;

// Decoded {name} segments of the matched route.
using PathParams = std::map<std::string, std::string>;

}  // namespace tastesync::infrastructure::http
