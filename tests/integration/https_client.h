#pragma once

// A real HTTPS client (libcurl) for the JSON gateway: trusts the dev CA,
// keeps its connection alive between calls like a phone app would.

#include <string>
#include <vector>

namespace tastesync::testing {

struct HttpAnswer {
  long status = 0;  // 0: no HTTP answer (see error)
  std::string body;
  std::string content_type;
  std::string allow;  // the Allow header, for 405
  std::string error;  // libcurl's reason when the request failed
};

class HttpsClient {
 public:
  explicit HttpsClient(int port);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Offer TLS 1.2 at most (the server must refuse).
  void limit_to_tls_1_2();

  // `token` empty: no Authorization header. `headers`: extra "Name: value".
  HttpAnswer request(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::string& token = "", const std::vector<std::string>& headers = {});
  HttpAnswer get(const std::string& path, const std::string& token = "") { return request("GET", path, "", token); }
  HttpAnswer post(const std::string& path, const std::string& body, const std::string& token = "") {
    return request("POST", path, body, token);
  }

 private:
  void* curl_;  // CURL*
  int port_;
  bool tls_1_2_ = false;
};

// The value of `name` in a Prometheus text scrape for the series with exactly
// `labels` (e.g. R"(method="POST /v1/identify",code="200")" in any order
// given as a list); 0 when absent.
double metric_value(const std::string& scrape, const std::string& name, const std::vector<std::string>& labels);

}  // namespace tastesync::testing
