#pragma once

// Versioned schema migrations: files named NNNN_description.sql, applied in
// version order, each once, each in its own transaction. Safe when several
// instances start together: they serialize on an advisory lock and each file
// is applied by exactly one of them.

#include <filesystem>

#include "domain/error.h"
#include "infrastructure/db/pg_pool.h"

namespace tastesync::infrastructure::db {

// Returns how many files this call applied (0 when the schema is current).
// kNotFound when `dir` does not exist; kInvalidArgument for two files with
// the same version.
domain::Result<int> apply_migrations(PgPool& pool, const std::filesystem::path& dir);

}  // namespace tastesync::infrastructure::db
