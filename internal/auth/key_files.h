#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "domain/error.h"

namespace tastesync::auth {

// Reads a whole key/secret file. Errors say which file and why, because a
// missing dev key is the most common first-run failure ("run scripts/keys.sh").
domain::Result<std::string> read_key_file(const std::filesystem::path& path);

// Reads a file holding a hex-encoded secret (as scripts/keys.sh writes
// qr-dev-1.secret) and returns the raw bytes. Surrounding whitespace is
// ignored; anything else that is not hex, an odd digit count, or fewer than
// `min_bytes` bytes is an error (a short HMAC key would be silently weak).
domain::Result<std::string> read_hex_secret_file(const std::filesystem::path& path, std::size_t min_bytes = 16);

// Hex decoding with the same rules, for secrets that come from the environment.
domain::Result<std::string> decode_hex_secret(std::string_view text, std::size_t min_bytes = 16);

// Every `<kid>.pub` file in `dir` (a mounted production key folder), as
// kid -> PEM. Rotation without downtime: add the new key's file, restart or
// roll the instances, later remove the old one. Other files are ignored.
domain::Result<std::map<std::string, std::string>> read_public_key_dir(const std::filesystem::path& dir);

}  // namespace tastesync::auth
