#include "integration/test_database.h"

#include <pqxx/pqxx>

#include "integration/local_servers.h"

namespace tastesync::testing {

// unique_customer's characters are all valid in a quoted identifier.
TestDatabase::TestDatabase(const std::string& prefix) : name_(unique_customer(prefix)) {
  const std::string& server = postgres_url();
  pqxx::connection connection(server);
  pqxx::nontransaction tx(connection);
  tx.exec("CREATE DATABASE " + tx.quote_name(name_));
  url_ = server.substr(0, server.rfind('/') + 1) + name_;
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection connection(postgres_url());
    pqxx::nontransaction tx(connection);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception&) {
    // A leftover test database is harmless; the server dir is temporary.
  }
}

std::string TestDatabase::url_named(const std::string& application_name) const {
  return url_ + "?application_name=" + application_name;
}

}  // namespace tastesync::testing
