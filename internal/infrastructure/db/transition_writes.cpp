#include "infrastructure/db/transition_writes.h"

#include <utility>

#include "infrastructure/db/outbox_payload.h"
#include "infrastructure/db/pg_values.h"
#include "util/hex.h"

namespace tastesync::infrastructure::db {
namespace {

// CID_SQL_TIMESTAMP_PARAM for a placeholder known only at run time: the
// macro's own text, `?` replaced.
std::string timestamp_of(const std::string& placeholder) {
  std::string sql = CID_SQL_TIMESTAMP_PARAM("?");
  return sql.replace(sql.find('?'), 1, placeholder);
}

}  // namespace

std::string TransitionWrites::bind(std::optional<std::string> value) {
  if (value) {
    values_.push_back(std::move(*value));
    parameters_.push_back(values_.back().c_str());
  } else {
    parameters_.push_back(nullptr);
  }
  return "$" + std::to_string(parameters_.size());
}

std::string TransitionWrites::bind_time(domain::Timestamp at) {
  return timestamp_of(bind(std::to_string(to_micros(at))));
}

// A leave is also a transition (to no zone), kept for the audit trail. The
// visit ended when the next one began or when the CustomerLeftStore event
// says (the caller passes that); last_seen only moves on zone changes, so it
// is the fallback of last resort. The store is in every statement: visits
// are partitioned by it, so each touches one partition.
void TransitionWrites::close_visit(const std::string& visit_id, const std::string& store_id,
                                   std::optional<domain::Timestamp> ended) {
  const std::string ended_at = ended ? bind_time(*ended) : std::string("last_seen");
  const std::string n = std::to_string(clauses_.size());
  clauses_.push_back("closed" + n + " AS (UPDATE visits SET left_at = " + ended_at +
                     " WHERE visit_id = " + bind(visit_id) + " AND store_id = " + bind(store_id) +
                     " RETURNING visit_id, customer_id, store_id, current_zone_id, left_at)");
  clauses_.push_back("left" + n +
                     " AS (INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, to_zone_id, "
                     "at) SELECT visit_id, customer_id, store_id, current_zone_id, NULL, left_at FROM closed" +
                     n + ")");
}

void TransitionWrites::open_visit(const std::string& customer_id, const domain::Presence& after) {
  const bool seated = after.zone_kind == domain::ZoneKind::kTable;
  const std::string zone_since = bind_time(after.zone_since);
  clauses_.push_back(
      "opened AS (INSERT INTO visits (visit_id, customer_id, store_id, entered_at, seated_at, current_zone_id, "
      "current_zone_kind, zone_since, last_seen) VALUES (" +
      bind(after.visit_id) + ", " + bind(customer_id) + ", " + bind(after.store_id) + ", " +
      bind_time(after.visit_started_at) + ", " + (seated ? zone_since : std::string("NULL")) + ", " +
      bind(after.zone_id) + ", " + bind(std::string(zone_kind_to_sql(after.zone_kind))) + ", " + zone_since + ", " +
      bind_time(after.last_seen) + ") ON CONFLICT (customer_id, store_id) WHERE left_at IS NULL DO NOTHING " +
      "RETURNING visit_id)");
  opens_ = true;
}

void TransitionWrites::move_within_visit(const domain::Presence& after) {
  const bool seated = after.zone_kind == domain::ZoneKind::kTable;
  const std::string zone_since = bind_time(after.zone_since);
  clauses_.push_back("moved AS (UPDATE visits SET current_zone_id = " + bind(after.zone_id) +
                     ", current_zone_kind = " + bind(std::string(zone_kind_to_sql(after.zone_kind))) +
                     ", zone_since = " + zone_since + ", last_seen = " + bind_time(after.last_seen) +
                     (seated ? ", seated_at = COALESCE(seated_at, " + zone_since + ")" : std::string()) +
                     " WHERE visit_id = " + bind(after.visit_id) + " AND store_id = " + bind(after.store_id) + ")");
}

void TransitionWrites::transition(const std::string& customer_id, const domain::Presence& after,
                                  const std::optional<std::string>& from_zone) {
  // From `opened` when the visit opens here: a visit that another writer
  // opened first gets no row (the statement then reports it, and the caller
  // rolls back).
  clauses_.push_back(
      "moved_to AS (INSERT INTO zone_transitions (visit_id, customer_id, store_id, from_zone_id, "
      "to_zone_id, at) SELECT " +
      bind(after.visit_id) + ", " + bind(customer_id) + ", " + bind(after.store_id) + ", " + bind(from_zone) + ", " +
      bind(after.zone_id) + ", " + bind_time(after.zone_since) + (opens_ ? " FROM opened" : std::string()) + ")");
}

// Rows in the events' order: the outbox's ids, and so the relay's order,
// follow the VALUES list.
void TransitionWrites::outbox(const std::string& customer_id, const std::vector<domain::DomainEvent>& events) {
  std::string rows;
  for (const domain::DomainEvent& event : events) {
    if (!rows.empty()) rows += ", ";
    rows += "(" + bind(event.event_id) + "::uuid, " + bind(event.store_id) + ", " +
            bind(event.customer_id.empty() ? customer_id : event.customer_id) + ", " +
            bind(std::string(domain::to_string(event.type))) + ", " +
            bind("\\x" + util::hex_encode(outbox_payload(event))) + "::bytea, " + bind_time(event.occurred_at) + ")";
  }
  if (rows.empty()) return;
  clauses_.push_back(
      "announced AS (INSERT INTO outbox (event_id, store_id, customer_id, event_type, payload, occurred_at) VALUES " +
      rows + ")");
}

bool TransitionWrites::run(pqxx::work& tx) const {
  if (clauses_.empty()) return true;
  std::string sql = "WITH ";
  for (std::size_t i = 0; i < clauses_.size(); ++i) sql += (i == 0 ? "" : ", ") + clauses_[i];
  sql += opens_ ? " SELECT count(*) FROM opened" : " SELECT 1";
  const pqxx::result result = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(parameters_));
  return !opens_ || result[0][0].as<long long>() == 1;
}

}  // namespace tastesync::infrastructure::db
