#pragma once

// A database of a test's own on the suite's shared PostgreSQL server,
// dropped when the object goes: its rows, advisory locks and relays are seen
// by no other test.

#include <string>

namespace tastesync::testing {

class TestDatabase {
 public:
  explicit TestDatabase(const std::string& prefix);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // postgresql://…/<the database>
  const std::string& url() const { return url_; }
  // The same URL with application_name set, to tell sessions apart.
  std::string url_named(const std::string& application_name) const;

 private:
  std::string name_;
  std::string url_;
};

}  // namespace tastesync::testing
