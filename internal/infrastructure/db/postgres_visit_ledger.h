#pragma once

// Visits, zone transitions and the transactional outbox in PostgreSQL. The
// open visit row is the arbiter between service instances: `record` commits
// only when the row still matches the caller's `before`, and a transaction
// advisory lock on the customer stops two instances from starting a visit
// twice (visits are partitioned by store, migrations/0011, so a unique index
// can only say "one open visit per customer and store").
// A transition's answer is kept in identify_answers in the same transaction
// (primary key: the idempotency key), so a request is recorded at most once.

#include "application/ports/visit_ledger_port.h"
#include "infrastructure/db/pg_pool.h"

namespace tastesync::infrastructure::db {

class PostgresVisitLedger final : public application::VisitLedgerPort {
 public:
  // `pool` must outlive the ledger.
  explicit PostgresVisitLedger(PgPool& pool);

  domain::Result<void> record(const std::string& customer_id, const std::optional<domain::Presence>& before,
                              const std::optional<domain::Presence>& after,
                              const std::vector<domain::DomainEvent>& events,
                              const std::optional<application::LedgerAnswer>& answer) override;
  domain::Result<std::optional<domain::Presence>> current(const std::string& customer_id) const override;
  domain::Result<application::LedgerView> recall(const std::string& customer_id,
                                                 domain::Timestamp answers_since) const override;
  domain::Result<std::vector<application::IdleVisit>> idle_visits(domain::Timestamp cutoff,
                                                                  std::size_t limit) const override;
  domain::Result<bool> touch(const std::string& customer_id, const domain::Presence& seen) override;
  domain::Result<std::size_t> forget_answers(domain::Timestamp before) override;
  domain::Result<std::vector<domain::Visit>> visits(const std::string& customer_id, std::size_t limit) const override;
  domain::Result<std::vector<domain::CustomerPresence>> in_store(const std::string& store_id) const override;

  // Fault tests: the process ends (exit 137, as kill -9 would leave it) right
  // after the first commit that recorded a request's answer, before the
  // caller can write the cache or answer.
  void exit_after_answer_for_test() { exit_after_answer_ = true; }

 private:
  PgPool& pool_;
  bool exit_after_answer_ = false;
};

}  // namespace tastesync::infrastructure::db
