#pragma once

// The key rings the service needs at start, read from the files the
// configuration names. Each error names the file and the setting, because a
// missing or malformed key is the most common reason a start fails.

#include <vector>

#include "auth/jwt.h"
#include "config/config.h"
#include "domain/error.h"
#include "infrastructure/crypto/table_qr_codec.h"
#include "infrastructure/db/postgres_customer_directory.h"

namespace tastesync::service {

// Public keys that verify tokens: the configured files plus every `<kid>.pub`
// of the mounted folder.
domain::Result<auth::JwtKeySet> load_jwt_keys(const config::Config::Auth& auth);

// HMAC secrets (table QR codes, entrance codes): 64 hex characters each,
// with `active_key_id` the one new codes are signed with.
domain::Result<infrastructure::HmacKeyRing> load_hmac_keys(const std::vector<config::KeyFile>& files,
                                                           const std::string& active_key_id, const char* setting);

// AES-256 keys for personal data at rest. A key file holds either exactly 32
// raw bytes (taken as they are: a raw key may end in any byte, newline
// included) or 64 hex characters (surrounding whitespace ignored).
domain::Result<infrastructure::db::PiiKeyRing> load_pii_keys(const config::Config::Pii& pii);

}  // namespace tastesync::service
