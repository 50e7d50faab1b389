#pragma once

#include "application/ports/store_analytics_port.h"
#include "infrastructure/db/pg_pool.h"

namespace tastesync::infrastructure::db {

// The analytics as SQL over the ledger's visits and zone_transitions, on the
// indexes of migrations/0007_floor_page.sql, day by day (analytics_days.h):
// closed days are computed once and kept, so a store's year reads 365 rows
// plus today (docs/performance.md has the figures).
class PostgresStoreAnalytics final : public application::StoreAnalyticsPort {
 public:
  explicit PostgresStoreAnalytics(PgPool& pool) : pool_(pool) {}
  domain::Result<application::StoreAnalytics> analytics(const application::AnalyticsPeriod& period) const override;

 private:
  PgPool& pool_;
};

}  // namespace tastesync::infrastructure::db
