#include "infrastructure/db/postgres_floor_listener.h"

#include <algorithm>
#include <string>
#include <utility>

#include "infrastructure/db/outbox_payload.h"
#include "util/hex.h"

namespace tastesync::infrastructure::db {
namespace {

constexpr const char* kChannel = "floor_events";

// Delivered by await_notification on the listener's connection.
class Announcements final : public pqxx::notification_receiver {
 public:
  Announcements(pqxx::connection& connection, const PostgresFloorListener::Announce& announce, bool& heard)
      : pqxx::notification_receiver(connection, kChannel), announce_(announce), heard_(heard) {}

  void operator()(const std::string& payload, int) override {
    heard_ = true;
    // Only our own trigger writes here; a payload this version cannot read
    // (a newer instance's, during an upgrade) is skipped: the pages catch up
    // at their next reload.
    const auto bytes = util::hex_decode(payload);
    if (!bytes) return;
    auto event = event_from_outbox_payload(*bytes);
    if (event) announce_(*event);
  }

 private:
  const PostgresFloorListener::Announce& announce_;
  bool& heard_;
};

}  // namespace

PostgresFloorListener::PostgresFloorListener(const PgPool& pool, Announce announce, Resync resync, Lost lost,
                                             FloorListenerOptions options)
    : connection_string_(pool.connection_string()),
      announce_(std::move(announce)),
      resync_(std::move(resync)),
      lost_(std::move(lost)),
      options_(options),
      thread_([this] { listen_loop(); }) {}

PostgresFloorListener::~PostgresFloorListener() {
  {
    std::scoped_lock lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

bool PostgresFloorListener::sleep_unless_stopping(std::chrono::milliseconds duration) {
  std::unique_lock lock(stop_mutex_);
  return !stop_cv_.wait_for(lock, duration, [this] { return stopping_.load(); });
}

void PostgresFloorListener::listen_on(pqxx::connection& connection) {
  using Clock = std::chrono::steady_clock;
  bool heard = false;
  Announcements announcements(connection, announce_, heard);
  // LISTEN is in place from here on: whatever the pages missed before (at
  // start nothing; after an outage, the outage) is in the floor they reload.
  resync_();
  Clock::time_point last_heard = Clock::now();
  while (!stopping_) {
    // Short waits keep shutdown prompt; a NOTIFY wakes it at once.
    connection.await_notification(0, 200'000);
    if (heard) {
      heard = false;
      last_heard = Clock::now();
    } else if (Clock::now() - last_heard >= options_.check_after_silence) {
      pqxx::nontransaction(connection).exec("SELECT 1");  // throws when the connection is gone
      last_heard = Clock::now();
    }
  }
}

void PostgresFloorListener::listen_loop() {
  std::chrono::milliseconds backoff = options_.min_backoff;
  while (!stopping_) {
    auto connection = connect(connection_string_);
    if (connection) {
      try {
        backoff = options_.min_backoff;
        listen_on(**connection);
        return;
      } catch (const std::exception& e) {
        // The connection broke (database restarting, network): reconnect.
        if (lost_) lost_(e.what());
      }
    }
    if (!sleep_unless_stopping(backoff)) return;
    backoff = std::min(options_.max_backoff, backoff * 2);
  }
}

}  // namespace tastesync::infrastructure::db
