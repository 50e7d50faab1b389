#include "infrastructure/db/pg_pool.h"

#include <poll.h>

#include <algorithm>
#include <string_view>

namespace tastesync::infrastructure::db {
namespace {

using domain::Error;
using domain::ErrorCode;

std::string first_line(std::string_view text) {
  const auto end = text.find('\n');
  return std::string(text.substr(0, end));
}

bool is_uri(std::string_view url) { return url.starts_with("postgresql://") || url.starts_with("postgres://"); }

// libpq takes timeouts from the connection string, so they hold for every
// connection the pool (re)opens without per-session SET statements.
std::string with_timeouts(const PgPoolOptions& options) {
  const auto connect_s = std::max<long long>(1, options.connect_timeout.count());
  const auto statement_ms = std::max<long long>(0, options.statement_timeout.count());
  if (is_uri(options.url)) {
    const char separator = options.url.find('?') == std::string::npos ? '?' : '&';
    return options.url + separator + "connect_timeout=" + std::to_string(connect_s) +
           "&options=-c%20statement_timeout%3D" + std::to_string(statement_ms) + "&application_name=customer-id";
  }
  return options.url + " connect_timeout=" + std::to_string(connect_s) +
         " options='-c statement_timeout=" + std::to_string(statement_ms) + "' application_name=customer-id";
}

Error sql_state_to_error(const std::string& state, const std::string& message) {
  const std::string_view cls = std::string_view(state).substr(0, std::min<std::size_t>(2, state.size()));
  if (state == "57014") return {ErrorCode::kUnavailable, "PostgreSQL statement timed out: " + message, {}};
  if (cls == "08" || cls == "53" || state == "57P01" || state == "57P02" || state == "57P03" || state == "25006") {
    return {ErrorCode::kUnavailable, "PostgreSQL is unavailable: " + message, {}};
  }
  if (state == "40001" || state == "40P01") {
    return {ErrorCode::kAborted, "a concurrent change won; retry: " + message, {}};
  }
  if (state == "23505") return {ErrorCode::kAlreadyExists, message, {}};
  if (state == "23503") return {ErrorCode::kNotFound, "references something that does not exist: " + message, {}};
  if (cls == "22") return {ErrorCode::kInvalidArgument, message, {}};
  return {ErrorCode::kInternal, "PostgreSQL error " + state + ": " + message, {}};
}

// An idle pooled connection has nothing to read unless the server spoke
// first, which it does only to say it is going away (shutdown, idle
// timeout, terminated backend): such a connection would fail its next query.
bool closed_by_server(pqxx::connection& connection) {
  const int fd = connection.sock();
  if (fd < 0) return true;
  pollfd descriptor{fd, POLLIN, 0};
  return ::poll(&descriptor, 1, 0) != 0;
}

}  // namespace

domain::Error current_exception_to_error() {
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    return {ErrorCode::kUnavailable,
            "connection to PostgreSQL lost during commit; the outcome is unknown: " + first_line(e.what()),
            {}};
  } catch (const pqxx::statement_completion_unknown& e) {
    return {ErrorCode::kUnavailable,
            "connection to PostgreSQL lost; whether the statement ran is unknown: " + first_line(e.what()),
            {}};
  } catch (const pqxx::broken_connection& e) {
    return {ErrorCode::kUnavailable, "PostgreSQL is unreachable: " + first_line(e.what()), {}};
  } catch (const pqxx::sql_error& e) {
    return sql_state_to_error(e.sqlstate(), first_line(e.what()));
  } catch (const pqxx::failure& e) {
    return {ErrorCode::kInternal, "PostgreSQL client error: " + first_line(e.what()), {}};
  } catch (const std::exception& e) {
    return {ErrorCode::kInternal, first_line(e.what()), {}};
  } catch (...) {
    return {ErrorCode::kInternal, "unknown exception in the PostgreSQL adapter", {}};
  }
}

domain::Result<std::unique_ptr<pqxx::connection>> connect(const std::string& connection_string) {
  try {
    return std::make_unique<pqxx::connection>(connection_string);
  } catch (...) {
    domain::Error error = current_exception_to_error();
    // A refused connection is reported as a plain pqxx::failure by some
    // libpqxx paths; either way the server is not reachable.
    if (error.code == ErrorCode::kInternal) error.code = ErrorCode::kUnavailable;
    return std::unexpected(std::move(error));
  }
}

PgPool::PgPool(PgPoolOptions options) : options_(std::move(options)), connection_string_(with_timeouts(options_)) {
  options_.size = std::max<std::size_t>(1, options_.size);
}

PgPool::~PgPool() = default;

domain::Result<PgPool::ConnectionPtr> PgPool::acquire() {
  ConnectionPtr connection;
  {
    std::unique_lock lock(mutex_);
    const bool free = available_.wait_for(lock, options_.acquire_timeout,
                                          [this] { return !idle_.empty() || leased_ < options_.size; });
    if (!free) {
      return domain::fail(ErrorCode::kUnavailable, "all " + std::to_string(options_.size) +
                                                       " PostgreSQL connections stayed busy for " +
                                                       std::to_string(options_.acquire_timeout.count()) + " ms");
    }
    ++leased_;
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (connection && (!connection->is_open() || closed_by_server(*connection))) connection.reset();
  if (connection) return connection;
  // Connect outside the lock: it may take up to connect_timeout.
  auto opened = connect(connection_string_);
  if (!opened) {
    release(nullptr, false);
    return std::unexpected(opened.error());
  }
  return std::move(*opened);
}

void PgPool::release(ConnectionPtr connection, bool reusable) {
  {
    std::scoped_lock lock(mutex_);
    --leased_;
    if (connection && reusable && connection->is_open()) idle_.push_back(std::move(connection));
  }
  available_.notify_one();
  // A dropped connection closes here, outside the lock.
}

domain::Result<void> PgPool::ping() {
  return run([](pqxx::connection& connection) -> domain::Result<void> {
    pqxx::nontransaction tx(connection);
    tx.exec("SELECT 1");
    return {};
  });
}

}  // namespace tastesync::infrastructure::db
