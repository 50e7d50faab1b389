#pragma once

// Registered customers in PostgreSQL. Name, phone and email are sealed with
// AES-256-GCM before they reach SQL; each row records the id of the key that
// sealed it, so keys rotate without re-encrypting: new rows use the active
// key, old rows open with whichever ring key they name.

#include <map>
#include <memory>
#include <string>

#include "application/ports/customer_directory_port.h"
#include "infrastructure/db/pg_pool.h"
#include "infrastructure/db/pii_key_ring.h"

namespace tastesync::infrastructure::db {

class PostgresCustomerDirectory final : public application::CustomerDirectoryPort {
 public:
  // kInvalidArgument for a ring check_pii_key_ring refuses. `pool` must outlive the directory.
  static domain::Result<std::unique_ptr<PostgresCustomerDirectory>> create(PgPool& pool, PiiKeyRing keys);

  domain::Result<std::optional<domain::Customer>> find(const std::string& customer_id) const override;
  // kAlreadyExists for a taken id; kInvalidArgument for oversized fields.
  domain::Result<void> add(const domain::Customer& customer) override;

 private:
  PostgresCustomerDirectory(PgPool& pool, PiiKeyRing keys);

  PgPool& pool_;
  PiiKeyRing keys_;
};

}  // namespace tastesync::infrastructure::db
