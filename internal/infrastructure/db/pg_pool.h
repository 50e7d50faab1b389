#pragma once

// A small, thread-safe pool of PostgreSQL connections (libpqxx 6). The only
// place database exceptions are caught: `run` hands a connection to a
// callback and turns whatever it throws into a domain::Error, so no
// exception leaves the db adapters.

#include <pqxx/pqxx>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "domain/error.h"

namespace tastesync::infrastructure::db {

struct PgPoolOptions {
  std::string url;  // postgresql://user@host:port/db (or libpq key=value form)
  std::size_t size = 4;
  std::chrono::seconds connect_timeout{2};
  // Bounds every statement, including waits for row locks, so a stuck
  // database turns into kUnavailable instead of a hung request.
  std::chrono::milliseconds statement_timeout{5000};
  // How long a caller waits for a free connection when all are leased.
  std::chrono::milliseconds acquire_timeout{2000};
};

// The exception currently being handled, as the project's error:
// connectivity (and timeouts) → kUnavailable, lost serialization races →
// kAborted, bad values (SQLSTATE class 22) → kInvalidArgument, the rest →
// kInternal. Call only inside a catch block.
domain::Error current_exception_to_error();

class PgPool {
 public:
  explicit PgPool(PgPoolOptions options);
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;
  ~PgPool();

  // Calls `work(pqxx::connection&)`, which returns a domain::Result<T>, on a
  // pooled connection (connecting lazily). Anything it throws becomes the
  // returned error, and a connection that broke is dropped, so the next call
  // reconnects: the pool recovers by itself once the server is back.
  template <typename Work>
  auto run(Work&& work) -> std::invoke_result_t<Work&, pqxx::connection&>;

  // Readiness: a round trip on a pooled connection.
  domain::Result<void> ping();
  bool healthy() { return ping().has_value(); }

  // The libpq connection string with the pool's timeouts added, for the few
  // connections that live outside the pool (LISTEN).
  const std::string& connection_string() const { return connection_string_; }
  std::size_t size() const { return options_.size; }

 private:
  using ConnectionPtr = std::unique_ptr<pqxx::connection>;

  domain::Result<ConnectionPtr> acquire();
  void release(ConnectionPtr connection, bool reusable);

  PgPoolOptions options_;
  std::string connection_string_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<ConnectionPtr> idle_;
  std::size_t leased_ = 0;  // handed out or being connected
};

template <typename Work>
auto PgPool::run(Work&& work) -> std::invoke_result_t<Work&, pqxx::connection&> {
  auto connection = acquire();
  if (!connection) return std::unexpected(connection.error());
  try {
    auto result = work(**connection);
    release(std::move(*connection), true);
    return result;
  } catch (...) {
    domain::Error error = current_exception_to_error();
    // After a non-connectivity error the transaction was rolled back by its
    // destructor and the connection is fine; after a connectivity error (or
    // a commit of unknown outcome) it is not trusted again.
    release(std::move(*connection), error.code != domain::ErrorCode::kUnavailable);
    return std::unexpected(std::move(error));
  }
}

// Connects one connection outside any pool (for LISTEN); kUnavailable when
// the server cannot be reached.
domain::Result<std::unique_ptr<pqxx::connection>> connect(const std::string& connection_string);

}  // namespace tastesync::infrastructure::db
