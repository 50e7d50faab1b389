#include "infrastructure/db/migrations.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace tastesync::infrastructure::db {
namespace {

using domain::ErrorCode;
using domain::fail;

// Any constant shared by every instance; "cid-migr" in ASCII.
constexpr long long kMigrationLockKey = 0x6369642d6d696772LL;

struct Migration {
  int version = 0;
  std::string name;
  std::filesystem::path path;
};

// "0007_add_devices.sql" → 7; anything else is not a migration.
bool parse_version(const std::string& file_name, int& version) {
  if (file_name.size() < 9 || file_name[4] != '_' || !file_name.ends_with(".sql")) return false;
  version = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(file_name[i]))) return false;
    version = version * 10 + (file_name[i] - '0');
  }
  return true;
}

domain::Result<std::map<int, Migration>> list_migrations(const std::filesystem::path& dir) try {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return fail(ErrorCode::kNotFound, "migrations directory " + dir.string() + " does not exist");
  }
  std::map<int, Migration> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string file_name = entry.path().filename().string();
    int version = 0;
    if (!entry.is_regular_file() || !parse_version(file_name, version)) continue;
    const auto [it, inserted] = found.emplace(version, Migration{version, file_name, entry.path()});
    if (!inserted) {
      return fail(ErrorCode::kInvalidArgument,
                  "migrations " + it->second.name + " and " + file_name + " share version " + std::to_string(version));
    }
  }
  if (error) return fail(ErrorCode::kUnavailable, "cannot list " + dir.string() + ": " + error.message());
  return found;
} catch (const std::filesystem::filesystem_error& e) {
  // Iterating throws on I/O errors; callers get an error value instead.
  return fail(ErrorCode::kUnavailable, "cannot list " + dir.string() + ": " + e.what());
}

domain::Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, "cannot read migration " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Applies one migration unless another instance already did. Returns whether
// this call applied it.
domain::Result<bool> apply_one(PgPool& pool, const Migration& migration, const std::string& sql) {
  return pool.run([&](pqxx::connection& connection) -> domain::Result<bool> {
    pqxx::work tx(connection);
    // Held until this transaction ends: a second instance waits here, then
    // sees the version recorded and skips it.
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY,"
        " name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    if (!tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", migration.version).empty()) {
      return false;
    }
    tx.exec(sql);  // simple-query protocol: the file may hold many statements
    tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", migration.version, migration.name);
    tx.commit();
    return true;
  });
}

}  // namespace

domain::Result<int> apply_migrations(PgPool& pool, const std::filesystem::path& dir) {
  auto migrations = list_migrations(dir);
  if (!migrations) return std::unexpected(migrations.error());
  int applied = 0;
  for (const auto& [version, migration] : *migrations) {
    auto sql = read_file(migration.path);
    if (!sql) return std::unexpected(sql.error());
    auto done = apply_one(pool, migration, *sql);
    if (!done) {
      domain::Error error = done.error();
      error.message = "migration " + migration.name + " failed: " + error.message;
      return std::unexpected(std::move(error));
    }
    if (*done) ++applied;
  }
  return applied;
}

}  // namespace tastesync::infrastructure::db
