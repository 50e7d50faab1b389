#include "integration/event_stream.h"

#include <curl/curl.h>

#include "integration/server_fixture.h"

namespace tastesync::testing {

EventStream::EventStream(int port, const std::string& path, const std::string& token) {
  thread_ = std::thread(
      [this, url = "https://localhost:" + std::to_string(port) + path, header = "Authorization: Bearer " + token] {
        CURL* curl = curl_easy_init();
        const std::string ca = (dev_keys_dir() / "ca.crt").string();
        curl_slist* headers = curl_slist_append(nullptr, header.c_str());
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
        // The progress callback is how the destructor ends a stream that never
        // ends by itself.
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
        (void)curl_easy_perform(curl);
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
      });
}

EventStream::~EventStream() {
  {
    std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  thread_.join();
}

std::size_t EventStream::append(char* data, std::size_t size, std::size_t count, void* self) {
  auto* stream = static_cast<EventStream*>(self);
  {
    std::scoped_lock lock(stream->mutex_);
    stream->received_.append(data, size * count);
  }
  stream->arrived_.notify_all();
  return size * count;
}

int EventStream::progress(void* self, long long, long long, long long, long long) {
  auto* stream = static_cast<EventStream*>(self);
  std::scoped_lock lock(stream->mutex_);
  return stream->stopping_ ? 1 : 0;
}

bool EventStream::wait_for(const std::function<bool(const std::string& received)>& done,
                           std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return done(received_); });
}

std::string EventStream::received() {
  std::scoped_lock lock(mutex_);
  return received_;
}

}  // namespace tastesync::testing
