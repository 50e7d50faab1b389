#include "infrastructure/db/postgres_visit_ledger.h"

#include <cstdlib>
#include <utility>

#include "infrastructure/codec/reply_codec.h"
#include "infrastructure/db/pg_values.h"
#include "infrastructure/db/transition_writes.h"

namespace tastesync::infrastructure::db {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxVisitsPerQuery = 1000;
// A customer records a few dozen transitions a day; this bounds a recall.
constexpr std::size_t kMaxAnswersRecalled = 1000;
// Names the advisory locks that serialize one customer's ledger writes (the
// second key is the customer's hashtext): visits are partitioned by store,
// so no unique index can say "one open visit per customer" across stores.
constexpr int kCustomerLockSpace = 0x63696476;  // "cidv"

#define PRESENCE_COLUMNS                                                                                       \
  "visit_id, store_id, current_zone_id, current_zone_kind, " CID_SQL_MICROS("entered_at") ", " CID_SQL_MICROS( \
      "zone_since") ", " CID_SQL_MICROS("last_seen")

// Reads the PRESENCE_COLUMNS starting at `first`.
domain::Presence presence_from(const pqxx::row& row, pqxx::row::size_type first) {
  domain::Presence presence;
  presence.visit_id = row[first].as<std::string>();
  presence.store_id = row[first + 1].as<std::string>();
  presence.zone_id = row[first + 2].as<std::string>();
  presence.zone_kind = zone_kind_from_sql(row[first + 3].as<std::string>());
  presence.visit_started_at = from_micros(row[first + 4].as<long long>());
  presence.zone_since = from_micros(row[first + 5].as<long long>());
  presence.last_seen = from_micros(row[first + 6].as<long long>());
  return presence;
}

struct OpenVisit {
  std::string visit_id;
  std::string store_id;
  std::string zone_id;
  long long last_seen_micros = 0;
};

bool same_place(const std::optional<OpenVisit>& stored, const std::optional<domain::Presence>& before) {
  if (!stored || !before) return !stored && !before;
  return stored->visit_id == before->visit_id && stored->zone_id == before->zone_id;
}

domain::Result<void> check_presence(const domain::Presence& presence) {
  if (auto ok = check_text(presence.visit_id, kMaxIdBytes, true, "presence.visit_id"); !ok) return ok;
  if (auto ok = check_text(presence.store_id, kMaxIdBytes, true, "presence.store_id"); !ok) return ok;
  return check_text(presence.zone_id, kMaxIdBytes, true, "presence.zone_id");
}

// When the open visit ended: when the next visit began or, without one,
// when the CustomerLeftStore event says (the time the silence was noticed);
// nullopt: its last_seen (TransitionWrites::close_visit).
std::optional<domain::Timestamp> visit_ended(const std::optional<domain::Presence>& next,
                                             const std::vector<domain::DomainEvent>& events) {
  if (next) return next->visit_started_at;
  for (const domain::DomainEvent& event : events) {
    if (event.type == domain::EventType::kCustomerLeftStore) return event.occurred_at;
  }
  return std::nullopt;
}

}  // namespace

PostgresVisitLedger::PostgresVisitLedger(PgPool& pool) : pool_(pool) {}

domain::Result<void> PostgresVisitLedger::record(const std::string& customer_id,
                                                 const std::optional<domain::Presence>& before,
                                                 const std::optional<domain::Presence>& after,
                                                 const std::vector<domain::DomainEvent>& events,
                                                 const std::optional<application::LedgerAnswer>& answer) {
  if (auto ok = check_text(customer_id, kMaxIdBytes, true, "customer_id"); !ok) return ok;
  std::string encoded_answer;
  if (answer) {
    auto encoded = codec::encode_reply(answer->reply);
    if (!encoded) return std::unexpected(encoded.error());
    encoded_answer = std::move(*encoded);
  }
  if (after) {
    if (auto ok = check_presence(*after); !ok) return ok;
  }
  for (const domain::DomainEvent& event : events) {
    if (auto ok = check_text(event.event_id, kMaxIdBytes, true, "event.event_id"); !ok) return ok;
    if (auto ok = check_text(event.store_id, kMaxIdBytes, true, "event.store_id"); !ok) return ok;
  }
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<void> {
    pqxx::work tx(connection);
    // Opening a visit must not happen twice for one customer at two stores
    // (different partitions: no unique index sees both rows), so a writer
    // that may open one first takes a lock on the customer, held to the
    // commit: the next such writer's statements see what it committed.
    // Writers that only move within or close the open visit are ordered by
    // that visit's row lock (FOR UPDATE below), as any writer is.
    const bool opens_visit = after && (!before || after->visit_id != before->visit_id);
    // A request is recorded once: the primary key makes a second instance
    // recording the same request wait for the first and then find its row.
    // The lock, when needed, is taken by the same statement (one round trip).
    if (answer) {
      const std::string insert_answer =
          opens_visit ? "WITH customer_lock AS (SELECT pg_advisory_xact_lock($4, hashtext($2))) "
                        "INSERT INTO identify_answers (idempotency_key, customer_id, answer) "
                        "SELECT $1, $2, $3 FROM customer_lock ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1"
                      : "INSERT INTO identify_answers (idempotency_key, customer_id, answer) "
                        "VALUES ($1, $2, $3) ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1";
      const pqxx::result recorded =
          opens_visit
              ? tx.exec_params(insert_answer, answer->idempotency_key, customer_id, encoded_answer, kCustomerLockSpace)
              : tx.exec_params(insert_answer, answer->idempotency_key, customer_id, encoded_answer);
      if (recorded.empty()) return fail(ErrorCode::kAlreadyExists, "this request was already recorded");
    } else if (opens_visit) {
      tx.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kCustomerLockSpace, customer_id);
    }
    // FOR UPDATE: a concurrent record() for the same customer waits here and
    // then sees this one's outcome (READ COMMITTED re-checks the row), so
    // exactly one of two racing transitions passes the comparison below.
    // With a `before`, only its store's partition is read: a customer has at
    // most one open visit, so if it is not there the comparison fails anyway.
    const pqxx::result open =
        before ? tx.exec_params("SELECT visit_id, store_id, current_zone_id, " CID_SQL_MICROS(
                                    "last_seen") " FROM visits WHERE customer_id = $1 AND store_id = $2 AND "
                                                 "left_at IS NULL FOR UPDATE",
                                customer_id, before->store_id)
               : tx.exec_params("SELECT visit_id, store_id, current_zone_id, " CID_SQL_MICROS(
                                    "last_seen") " FROM visits WHERE customer_id = $1 AND left_at IS NULL FOR UPDATE",
                                customer_id);
    std::optional<OpenVisit> stored;
    if (!open.empty()) {
      stored = OpenVisit{open[0][0].as<std::string>(), open[0][1].as<std::string>(), open[0][2].as<std::string>(),
                         open[0][3].as<long long>()};
    }
    if (!same_place(stored, before)) {
      return fail(ErrorCode::kAborted, "customer's presence changed concurrently; retry");
    }
    // A touch() since the caller read `before` (e.g. a sighting answered
    // while a leave sweep held the record): its decision is stale.
    if (stored && stored->last_seen_micros > to_micros(before->last_seen)) {
      return fail(ErrorCode::kAborted, "customer was seen after this decision was taken; retry");
    }
    // The writes, one statement (TransitionWrites); a visit closed and one
    // opened at the same store take two.
    TransitionWrites writes;
    if (stored && (!after || after->visit_id != stored->visit_id)) {
      writes.close_visit(stored->visit_id, stored->store_id, visit_ended(after, events));
      if (after && after->store_id == stored->store_id) {
        writes.run(tx);
        writes = TransitionWrites{};
      }
    }
    if (after) {
      std::optional<std::string> from_zone;
      if (stored && stored->visit_id == after->visit_id) {
        writes.move_within_visit(*after);
        from_zone = stored->zone_id;
      } else {
        writes.open_visit(customer_id, *after);
      }
      writes.transition(customer_id, *after, from_zone);
    }
    writes.outbox(customer_id, events);
    if (!writes.run(tx)) {
      // Nobody was there when we looked, yet an open visit at this store
      // exists: written past the customer lock (by hand, or an instance
      // older than the partitioned ledger).
      return fail(ErrorCode::kAborted, "customer's visit was started concurrently; retry");
    }
    // Last check before the commit: a caller that has stopped waiting would
    // be told "deadline exceeded" about a move that happened anyway.
    if (answer && answer->commit_by && domain::Clock::now() > *answer->commit_by) {
      return fail(ErrorCode::kUnavailable, "the caller's deadline passed before the transition was recorded; retry");
    }
    tx.commit();
    if (exit_after_answer_ && answer) std::_Exit(137);
    return {};
  });
}

domain::Result<std::optional<domain::Presence>> PostgresVisitLedger::current(const std::string& customer_id) const {
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<std::optional<domain::Presence>> {
    pqxx::read_transaction tx(connection);
    const auto rows = tx.exec_params(
        "SELECT " PRESENCE_COLUMNS " FROM visits WHERE customer_id = $1 AND left_at IS NULL", customer_id);
    if (rows.empty()) return std::optional<domain::Presence>{};
    return std::optional<domain::Presence>{presence_from(rows[0], 0)};
  });
}

domain::Result<application::LedgerView> PostgresVisitLedger::recall(const std::string& customer_id,
                                                                    domain::Timestamp answers_since) const {
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<application::LedgerView> {
    pqxx::read_transaction tx(connection);
    // One round trip: the open visit (at most one row, answer columns null)
    // and the recent answers (presence columns null).
    const auto rows = tx.exec_params(
        "SELECT NULL::text, NULL::text, " PRESENCE_COLUMNS " FROM visits WHERE customer_id = $1 AND left_at IS NULL "
        "UNION ALL "
        "(SELECT idempotency_key, answer, NULL, NULL, NULL, NULL, NULL::bigint, NULL::bigint, NULL::bigint "
        " FROM identify_answers WHERE customer_id = $1 AND created_at >= " CID_SQL_TIMESTAMP_PARAM("$2") " "
        " ORDER BY created_at LIMIT $3)",
        customer_id, to_micros(answers_since), static_cast<long long>(kMaxAnswersRecalled));
    application::LedgerView view;
    for (const auto& row : rows) {
      if (row[0].is_null()) {
        view.presence = presence_from(row, 2);
        continue;
      }
      auto decoded = codec::decode_reply(row[1].as<std::string>());
      if (!decoded) return std::unexpected(decoded.error());
      view.answers.push_back(application::LedgerAnswer{row[0].as<std::string>(), std::move(*decoded), std::nullopt});
    }
    return view;
  });
}

domain::Result<std::vector<application::IdleVisit>> PostgresVisitLedger::idle_visits(domain::Timestamp cutoff,
                                                                                     std::size_t limit) const {
  const auto capped = static_cast<long long>(std::min(limit, kMaxVisitsPerQuery));
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<std::vector<application::IdleVisit>> {
    pqxx::read_transaction tx(connection);
    const auto rows = tx.exec_params("SELECT customer_id, visit_id, " CID_SQL_MICROS("last_seen") " FROM visits "
                                     "WHERE left_at IS NULL AND last_seen <= " CID_SQL_TIMESTAMP_PARAM("$1") " "
                                     "ORDER BY last_seen LIMIT $2",
                                     to_micros(cutoff), capped);
    std::vector<application::IdleVisit> idle;
    idle.reserve(rows.size());
    for (const auto& row : rows) {
      idle.push_back({row[0].as<std::string>(), row[1].as<std::string>(), from_micros(row[2].as<long long>())});
    }
    return idle;
  });
}

domain::Result<bool> PostgresVisitLedger::touch(const std::string& customer_id, const domain::Presence& seen) {
  if (auto ok = check_text(customer_id, kMaxIdBytes, true, "customer_id"); !ok) return std::unexpected(ok.error());
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<bool> {
    pqxx::work tx(connection);
    // The row lock orders this with record(): a leave committed first makes
    // this match nothing; this committed first makes the leave's check fail.
    const auto still_there = tx.exec_params(
        "UPDATE visits SET last_seen = GREATEST(last_seen, " CID_SQL_TIMESTAMP_PARAM("$4") ") WHERE visit_id = $2 "
        "AND store_id = $5 AND customer_id = $1 AND current_zone_id = $3 AND left_at IS NULL RETURNING 1",
        customer_id, seen.visit_id, seen.zone_id, to_micros(seen.last_seen), seen.store_id);
    tx.commit();
    return !still_there.empty();
  });
}

domain::Result<std::size_t> PostgresVisitLedger::forget_answers(domain::Timestamp before) {
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<std::size_t> {
    pqxx::work tx(connection);
    const auto result = tx.exec_params("DELETE FROM identify_answers WHERE created_at < " CID_SQL_TIMESTAMP_PARAM("$1"),
                                       to_micros(before));
    tx.commit();
    return static_cast<std::size_t>(result.affected_rows());
  });
}

domain::Result<std::vector<domain::Visit>> PostgresVisitLedger::visits(const std::string& customer_id,
                                                                       std::size_t limit) const {
  const auto capped = static_cast<long long>(std::min(limit, kMaxVisitsPerQuery));
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<std::vector<domain::Visit>> {
    pqxx::read_transaction tx(connection);
    // Each visit with its stays (transitions into a zone) in one round trip.
    const auto rows = tx.exec_params(
        "WITH v AS (SELECT visit_id, seq, store_id, entered_at, left_at FROM visits "
        "           WHERE customer_id = $1 ORDER BY seq DESC LIMIT $2) "
        "SELECT v.visit_id, v.store_id, " CID_SQL_MICROS("v.entered_at") ", " CID_SQL_MICROS("v.left_at") ", "
        "       t.to_zone_id, " CID_SQL_MICROS("t.at") " "
        "FROM v LEFT JOIN zone_transitions t ON t.visit_id = v.visit_id AND t.store_id = v.store_id "
        "                                  AND t.to_zone_id IS NOT NULL "
        "ORDER BY v.seq DESC, t.id",
        customer_id, capped);
    std::vector<domain::Visit> newest_first;
    for (const auto& row : rows) {
      const std::string visit_id = row[0].as<std::string>();
      if (newest_first.empty() || newest_first.back().visit_id != visit_id) {
        domain::Visit visit;
        visit.visit_id = visit_id;
        visit.customer_id = customer_id;
        visit.store_id = row[1].as<std::string>();
        visit.entered_at = from_micros(row[2].as<long long>());
        if (!row[3].is_null()) visit.left_at = from_micros(row[3].as<long long>());
        newest_first.push_back(std::move(visit));
      }
      if (!row[4].is_null()) {
        newest_first.back().zones.push_back(
            domain::ZoneStay{row[4].as<std::string>(), from_micros(row[5].as<long long>())});
      }
    }
    return newest_first;
  });
}

domain::Result<std::vector<domain::CustomerPresence>> PostgresVisitLedger::in_store(const std::string& store_id) const {
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<std::vector<domain::CustomerPresence>> {
    pqxx::read_transaction tx(connection);
    const auto rows = tx.exec_params("SELECT customer_id, " PRESENCE_COLUMNS
                                     " FROM visits WHERE store_id = $1 AND left_at IS NULL "
                                     "ORDER BY customer_id",
                                     store_id);
    std::vector<domain::CustomerPresence> present;
    present.reserve(rows.size());
    for (const auto& row : rows) present.push_back({row[0].as<std::string>(), presence_from(row, 1)});
    return present;
  });
}

}  // namespace tastesync::infrastructure::db
