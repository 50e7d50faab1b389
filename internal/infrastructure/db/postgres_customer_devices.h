#pragma once

// Customers' phones in PostgreSQL (customer_devices). The secret each phone
// derives its rotating iBeacon id from is generated here and sealed with
// AES-256-GCM under the personal-data key ring before it reaches SQL.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "application/ports/customer_device_port.h"
#include "infrastructure/db/pg_pool.h"
#include "infrastructure/db/pii_key_ring.h"

namespace tastesync::infrastructure::db {

class PostgresCustomerDevices final : public application::CustomerDeviceStorePort {
 public:
  // A customer may have this many phones; more is kFailedPrecondition.
  static constexpr std::size_t kMaxPhonesPerCustomer = 5;

  // kInvalidArgument when the active key is not in the ring. `pool` must
  // outlive the store.
  static domain::Result<std::unique_ptr<PostgresCustomerDevices>> create(PgPool& pool, PiiKeyRing keys);

  domain::Result<application::CustomerDevice> add(const std::string& customer_id) override;
  domain::Result<std::vector<application::CustomerDevice>> load_after(std::int64_t seq,
                                                                      std::size_t limit) const override;

 private:
  PostgresCustomerDevices(PgPool& pool, PiiKeyRing keys);

  PgPool& pool_;
  PiiKeyRing keys_;
};

}  // namespace tastesync::infrastructure::db
