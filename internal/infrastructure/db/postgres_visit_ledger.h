#pragma once

// Visits, zone transitions and the transactional outbox in PostgreSQL. The
// open visit row is the arbiter between service instances: `record` commits
// only when the row still matches the caller's `before`, and the unique
// index on open visits stops two instances from starting a visit twice.

#include "application/ports/visit_ledger_port.h"
#include "infrastructure/db/pg_pool.h"

namespace tastesync::infrastructure::db {

class PostgresVisitLedger final : public application::VisitLedgerPort {
 public:
  // `pool` must outlive the ledger.
  explicit PostgresVisitLedger(PgPool& pool);

  domain::Result<void> record(const std::string& customer_id, const std::optional<domain::Presence>& before,
                              const std::optional<domain::Presence>& after,
                              const std::vector<domain::DomainEvent>& events) override;
  domain::Result<std::optional<domain::Presence>> current(const std::string& customer_id) const override;
  domain::Result<std::vector<domain::Visit>> visits(const std::string& customer_id, std::size_t limit) const override;
  domain::Result<std::vector<domain::CustomerPresence>> in_store(const std::string& store_id) const override;

 private:
  PgPool& pool_;
};

}  // namespace tastesync::infrastructure::db
