#include "service/startup_keys.h"

#include <string>
#include <utility>

#include "auth/key_files.h"
#include "util/aes_gcm.h"

namespace tastesync::service {
namespace {

std::string trimmed(std::string text) {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!text.empty() && space(text.back())) text.pop_back();
  std::size_t first = 0;
  while (first < text.size() && space(text[first])) ++first;
  return text.substr(first);
}

}  // namespace

domain::Result<auth::JwtKeySet> load_jwt_keys(const config::Config::Auth& auth) {
  auth::JwtKeySet keys;
  for (const auto& file : auth.public_keys) {
    auto pem = auth::read_key_file(file.path);
    if (!pem) return std::unexpected(pem.error());
    keys[file.key_id] = *pem;
  }
  if (!auth.public_keys_dir.empty()) {
    auto mounted = auth::read_public_key_dir(auth.public_keys_dir);
    if (!mounted) return std::unexpected(mounted.error());
    for (auto& [kid, pem] : *mounted) keys[kid] = std::move(pem);
  }
  return keys;
}

domain::Result<infrastructure::HmacKeyRing> load_hmac_keys(const std::vector<config::KeyFile>& files,
                                                           const std::string& active_key_id, const char* setting) {
  infrastructure::HmacKeyRing::Keys secrets;
  for (const auto& file : files) {
    auto secret = auth::read_hex_secret_file(file.path, 32);
    if (!secret) {
      return domain::fail(secret.error().code,
                          file.path + ": " + secret.error().message + " (" + setting +
                              " wants 64 hex characters, e.g. `openssl rand -hex 32`)",
                          setting);
    }
    secrets[file.key_id] = *secret;
  }
  return infrastructure::HmacKeyRing(std::move(secrets), active_key_id);
}

domain::Result<infrastructure::db::PiiKeyRing> load_pii_keys(const config::Config::Pii& pii) {
  infrastructure::db::PiiKeyRing::Keys keys;
  for (const auto& file : pii.keys) {
    auto content = auth::read_key_file(file.path);
    if (!content) return domain::fail(content.error().code, content.error().message, "pii.keys");
    // Exactly a raw key's size: taken as is. Anything else is hex text.
    const std::string text = content->size() == util::kAesGcmKeyBytes ? *content : trimmed(*content);
    auto key = util::aes_gcm_key_from(text);
    if (!key) {
      return domain::fail(domain::ErrorCode::kInvalidArgument,
                          file.path + " must hold a 256-bit key: 32 raw bytes or 64 hex characters", "pii.keys");
    }
    keys[file.key_id] = *key;
  }
  return infrastructure::db::PiiKeyRing(std::move(keys), pii.active_key_id);
}

}  // namespace tastesync::service
