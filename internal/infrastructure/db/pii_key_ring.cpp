#include "infrastructure/db/pii_key_ring.h"

#include <string>

#include "infrastructure/db/pg_values.h"

namespace tastesync::infrastructure::db {

namespace {
constexpr std::size_t kMaxKeyIdBytes = 64;  // customers.pii_key_id, customer_devices.key_id
}  // namespace

domain::Result<void> check_pii_key_ring(const PiiKeyRing& keys) {
  for (const auto& [key_id, key] : keys.keys()) {
    if (auto ok = check_text(key_id, kMaxKeyIdBytes, true, "pii_key_id"); !ok) return ok;
  }
  if (keys.active() == nullptr) {
    return domain::fail(domain::ErrorCode::kInvalidArgument,
                        "the active personal-data key '" + keys.active_id() + "' is not in the key ring", "pii_key_id");
  }
  return {};
}

}  // namespace tastesync::infrastructure::db
