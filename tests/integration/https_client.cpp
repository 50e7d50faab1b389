#include "integration/https_client.h"

#include <curl/curl.h>

#include <sstream>

#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::size_t read_header(char* data, std::size_t size, std::size_t count, void* out) {
  const std::string line(data, size * count);
  if (line.size() > 6 && (line.starts_with("Allow:") || line.starts_with("allow:"))) {
    std::string value = line.substr(6);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    *static_cast<std::string*>(out) = value;
  }
  return size * count;
}

}  // namespace

HttpsClient::HttpsClient(int port) : curl_(curl_easy_init()), port_(port) {}

HttpsClient::~HttpsClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

void HttpsClient::limit_to_tls_1_2() { tls_1_2_ = true; }

HttpAnswer HttpsClient::request(const std::string& method, const std::string& path, const std::string& body,
                                const std::string& token, const std::vector<std::string>& headers) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the open connection
  HttpAnswer answer;
  const std::string url = "https://localhost:" + std::to_string(port_) + path;
  const std::string ca = (dev_keys_dir() / "ca.crt").string();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer.allow);
  if (tls_1_2_) {
    // TLS 1.2 at least and at most (CURL_SSLVERSION_MAX_TLSv1_2 is 1.2 << 16).
    const long tls_1_2_only = 6L | (6L << 16);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, tls_1_2_only);
  }
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Content-Type: application/json");
  if (!token.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token).c_str());
  bool expect_given = false;
  for (const std::string& header : headers) {
    list = curl_slist_append(list, header.c_str());
    expect_given = expect_given || header.starts_with("Expect:");
  }
  // No 100-continue wait unless a test asks for it.
  if (!expect_given) list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (code != CURLE_OK) {
    answer.error = curl_easy_strerror(code);
    return answer;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  char* type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) answer.content_type = type;
  return answer;
}

double metric_value(const std::string& scrape, const std::string& name, const std::vector<std::string>& labels) {
  std::istringstream lines(scrape);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with(name + "{") && !line.starts_with(name + " ")) continue;
    const std::size_t close = line.find('}');
    const std::string label_text =
        close == std::string::npos ? "" : line.substr(name.size() + 1, close - name.size() - 1);
    std::size_t count = label_text.empty() ? 0 : 1;
    for (char c : label_text) count += c == ',' ? 1 : 0;
    if (count != labels.size()) continue;
    bool all = true;
    for (const std::string& label : labels) all = all && label_text.find(label) != std::string::npos;
    if (!all) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return 0;
}

}  // namespace tastesync::testing
