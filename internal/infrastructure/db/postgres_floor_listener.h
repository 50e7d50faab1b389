#pragma once

// The live floor pages' source when several instances share one ledger: a
// connection of its own LISTENs on floor_events, where every instance's
// transaction announces each event it commits (migrations/0009), and hands
// each one to `announce` in commit order. While the connection is down
// nothing is heard, so after it is back (PostgreSQL restarted, network) the
// listener calls `resync`: the pages then reload the floor instead of
// trusting a stream with a hole in it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "domain/events/events.h"
#include "infrastructure/db/pg_pool.h"

namespace tastesync::infrastructure::db {

struct FloorListenerOptions {
  // Reconnect backoff while the database is down.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  // A round trip after this much silence, so a connection that died without
  // a word (a dropped network path) is noticed and replaced.
  std::chrono::seconds check_after_silence{5};
};

class PostgresFloorListener {
 public:
  using Announce = std::function<void(const domain::DomainEvent&)>;
  using Resync = std::function<void()>;
  using Lost = std::function<void(const std::string& reason)>;

  // Starts listening at once. The callbacks run on the listener's thread and
  // must only hand on: `announce` each event, `resync` whenever LISTEN is in
  // place (at start and after each reconnection), `lost` when the connection
  // broke. `pool` (for its connection string) outlives this.
  PostgresFloorListener(const PgPool& pool, Announce announce, Resync resync, Lost lost,
                        FloorListenerOptions options = {});
  ~PostgresFloorListener();
  PostgresFloorListener(const PostgresFloorListener&) = delete;
  PostgresFloorListener& operator=(const PostgresFloorListener&) = delete;

 private:
  void listen_loop();
  // Listens on one connection until it breaks or the listener stops.
  void listen_on(pqxx::connection& connection);
  bool sleep_unless_stopping(std::chrono::milliseconds duration);

  std::string connection_string_;
  Announce announce_;
  Resync resync_;
  Lost lost_;
  FloorListenerOptions options_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tastesync::infrastructure::db
