#include "auth/key_files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "util/hex.h"

namespace tastesync::auth {
namespace {

using domain::ErrorCode;
using domain::fail;

// Key files are small; anything larger is a wrong path (e.g. a log file).
constexpr std::uintmax_t kMaxKeyFileBytes = 1024 * 1024;

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

domain::Result<std::string> read_key_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return fail(ErrorCode::kNotFound,
                "key file " + path.string() + " does not exist (run scripts/keys.sh for dev keys)");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return fail(ErrorCode::kFailedPrecondition, "key file " + path.string() + " is not a regular file");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxKeyFileBytes) {
    return fail(ErrorCode::kFailedPrecondition, "key file " + path.string() + " is too large to be a key");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::kFailedPrecondition,
                "cannot open key file " + path.string() + ": " +
                    std::strerror(errno));  // NOLINT(concurrency-mt-unsafe): at start only
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return fail(ErrorCode::kFailedPrecondition, "cannot read key file " + path.string());
  }
  if (content.empty()) {
    return fail(ErrorCode::kFailedPrecondition, "key file " + path.string() + " is empty");
  }
  return content;
}

domain::Result<std::string> decode_hex_secret(std::string_view text, std::size_t min_bytes) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.size() % 2 != 0) {
    return fail(ErrorCode::kInvalidArgument, "hex secret has an odd number of digits");
  }
  auto decoded = util::hex_decode(text);
  if (!decoded) return fail(ErrorCode::kInvalidArgument, "hex secret contains a non-hex character");
  std::string& bytes = *decoded;
  if (bytes.size() < min_bytes) {
    return fail(ErrorCode::kInvalidArgument, "hex secret is " + std::to_string(bytes.size()) + " bytes; at least " +
                                                 std::to_string(min_bytes) + " are required");
  }
  return bytes;
}

domain::Result<std::string> read_hex_secret_file(const std::filesystem::path& path, std::size_t min_bytes) {
  auto content = read_key_file(path);
  if (!content) return std::unexpected(std::move(content.error()));
  auto bytes = decode_hex_secret(*content, min_bytes);
  if (!bytes) {
    return fail(bytes.error().code, "secret file " + path.string() + ": " + bytes.error().message);
  }
  return bytes;
}

domain::Result<std::map<std::string, std::string>> read_public_key_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorCode::kNotFound, "public key folder " + dir.string() + " does not exist or is not a folder");
  }
  std::map<std::string, std::string> keys;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".pub" || !entry.is_regular_file()) continue;
    auto pem = read_key_file(entry.path());
    if (!pem) return std::unexpected(std::move(pem.error()));
    keys[entry.path().stem().string()] = std::move(*pem);
  }
  if (ec) return fail(ErrorCode::kFailedPrecondition, "cannot list " + dir.string() + ": " + ec.message());
  if (keys.empty()) return fail(ErrorCode::kNotFound, "public key folder " + dir.string() + " holds no <kid>.pub file");
  return keys;
}

}  // namespace tastesync::auth
