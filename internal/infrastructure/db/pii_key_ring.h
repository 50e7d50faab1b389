#pragma once

// The AES-256-GCM keys that seal personal data at rest (customers' names,
// phones and emails, phones' secrets). Each sealed row records the id of the
// key that sealed it, so keys rotate without re-encrypting: new rows use the
// active key, old rows open with whichever key of the ring they name. Keys
// come from configuration or a mounted secret, never from the database or
// the repository.

#include "domain/error.h"
#include "util/aes_gcm.h"
#include "util/key_ring.h"

namespace tastesync::infrastructure::db {

using PiiKeyRing = util::KeyRing<util::AesGcmKey>;

// The one check before an adapter seals with the ring: every key id 1..64
// bytes (it is stored beside each sealed value), the active one present;
// else kInvalidArgument on field "pii_key_id".
domain::Result<void> check_pii_key_ring(const PiiKeyRing& keys);

}  // namespace tastesync::infrastructure::db
