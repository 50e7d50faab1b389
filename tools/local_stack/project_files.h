#pragma once

// Where the checkout keeps what a local server needs (the scripts, the dev
// keys, the demo store) and the few file chores every launcher repeats.

#include <filesystem>
#include <string>

namespace tastesync::local_stack {

// The checkout this build was configured from.
std::filesystem::path source_dir();
// internal/config/keys/dev: made by scripts/keys.sh, never committed.
std::filesystem::path dev_keys_dir();
// A file's whole text; empty when it cannot be read.
std::string read_text(const std::filesystem::path& path);
// Runs scripts/keys.sh once per process (it makes the dev keys if missing);
// false when it failed.
bool ensure_dev_keys();
// A fresh directory under the temp dir, "cid-<name>-XXXXXX", that the
// unprivileged postgres user can traverse (PostgreSQL runs as its own user);
// the caller removes it. Throws std::runtime_error when it cannot be made.
std::filesystem::path make_server_dir(const std::string& name);

}  // namespace tastesync::local_stack
