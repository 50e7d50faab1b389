#include "ledger_audit.h"

#include <algorithm>
#include <pqxx/pqxx>

namespace tastesync::chaos {
namespace {

constexpr std::size_t kExamplesPerKind = 3;

void example(TrustCounts& counts, std::size_t& shown, const std::string& line) {
  if (shown++ < kExamplesPerKind) counts.examples.push_back(line);
}

// The zone the ledger held at `when`: the newest transition (by id) recorded
// with `at` <= when. A transition's `at` is the instant the service decided
// it, before its commit and so before any answer about it.
std::optional<std::string> ledger_zone_at(const std::vector<LedgerTransition>& transitions, std::int64_t when) {
  std::optional<std::string> zone;
  std::int64_t newest = -1;
  for (const LedgerTransition& transition : transitions) {
    if (transition.at_us <= when && transition.id > newest) {
      newest = transition.id;
      zone = transition.to_zone;
    }
  }
  return zone;
}

std::vector<std::string> sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string describe(const std::string& customer, const CallRecord& call) {
  return customer + " " + call.request_id + (call.table_qr ? " (qr " : " (beacons ") + call.target_zone + ")";
}

}  // namespace

Ledger read_ledger(const std::string& postgres_url) {
  Ledger ledger;
  pqxx::connection connection(postgres_url);
  pqxx::read_transaction tx(connection);
  for (const auto& row : tx.exec("SELECT customer_id, id, (extract(epoch FROM at) * 1000000)::bigint, to_zone_id "
                                 "FROM zone_transitions ORDER BY customer_id, id")) {
    LedgerTransition transition;
    transition.id = row[1].as<std::int64_t>();
    transition.at_us = row[2].as<std::int64_t>();
    if (!row[3].is_null()) transition.to_zone = row[3].as<std::string>();
    ledger.transitions[row[0].as<std::string>()].push_back(std::move(transition));
  }
  for (const auto& row : tx.exec("SELECT customer_id FROM visits WHERE left_at IS NULL")) {
    ledger.open_visits.insert(row[0].as<std::string>());
  }
  for (const auto& row : tx.exec("SELECT event_id::text, customer_id, event_type, sent_at IS NULL FROM outbox")) {
    const std::string id = row[0].as<std::string>();
    ledger.outbox_customer[id] = row[1].as<std::string>();
    ledger.outbox_type[id] = row[2].as<std::string>();
    if (row[3].as<bool>()) ++ledger.unsent;
  }
  return ledger;
}

std::int64_t unsent_outbox_rows(const std::string& postgres_url) {
  pqxx::connection connection(postgres_url);
  pqxx::read_transaction tx(connection);
  return tx.exec("SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0].as<std::int64_t>();
}

std::set<std::string> customers_with_open_visits(const std::string& postgres_url) {
  pqxx::connection connection(postgres_url);
  pqxx::read_transaction tx(connection);
  std::set<std::string> customers;
  for (const auto& row : tx.exec("SELECT customer_id FROM visits WHERE left_at IS NULL")) {
    customers.insert(row[0].as<std::string>());
  }
  return customers;
}

void audit_answers(const std::vector<CustomerLog>& logs, const Ledger& ledger, TrustCounts& counts) {
  std::size_t contradictions_shown = 0;
  std::size_t mismatches_shown = 0;
  std::size_t surplus_shown = 0;
  std::size_t errors_shown = 0;
  static const std::vector<LedgerTransition> kNone;
  for (const CustomerLog& log : logs) {
    const auto found = ledger.transitions.find(log.customer_id);
    const std::vector<LedgerTransition>& transitions = found == ledger.transitions.end() ? kNone : found->second;
    int changed_answers = 0;  // own calls answered "moved"
    int unanswered = 0;       // calls (and re-sends) that may have run without the client knowing
    int new_on_resend = 0;    // re-sends answered with a transition of their own
    for (const CallRecord& call : log.calls) {
      const bool resend = call.replay_of >= 0;
      const bool answered = call.outcome == Outcome::kAnswered;
      if (resend) {
        ++counts.resends;
      } else {
        ++counts.calls;
        if (answered) ++counts.answered;
      }
      if (call.attempts > 1) ++counts.retried;
      if (call.outcome == Outcome::kGaveUp) ++counts.gave_up;
      if (call.outcome == Outcome::kFailed) {
        ++counts.failed;
        example(counts, errors_shown,
                "error: " + describe(log.customer_id, call) + " got status " +
                    std::to_string(static_cast<int>(call.last_code)) + ": " + call.last_message);
      }
      if (!answered) {
        ++unanswered;
        continue;
      }
      if (resend) {
        const CallRecord& first = log.calls[static_cast<std::size_t>(call.replay_of)];
        const bool same = sorted(call.event_ids) == sorted(first.event_ids) && call.zone == first.zone;
        // A first answer that moved nobody may be computed again (nothing is
        // written either way); one that recorded a transition must come back
        // as it was.
        const bool must_match = !first.event_ids.empty();
        const bool new_transition = !call.event_ids.empty() && !same;
        if (new_transition || (must_match && !same)) {
          if (new_transition) {
            ++counts.resend_transitions;
            ++new_on_resend;
          } else {
            ++counts.resend_other_answers;
          }
          example(counts, mismatches_shown,
                  std::string(new_transition ? "repeated" : "retry answered otherwise") + ": " +
                      describe(log.customer_id, call) + " sent again: " + call.zone + ", " +
                      std::to_string(call.event_ids.size()) + " event id(s) " +
                      (call.event_ids.empty() ? std::string("") : call.event_ids.front()) + "; first answer " +
                      first.zone + ", " + std::to_string(first.event_ids.size()) + " " +
                      (first.event_ids.empty() ? std::string("") : first.event_ids.front()));
        }
        continue;  // a re-send answers about the past: not compared with the ledger's present
      }
      if (call.changed) ++changed_answers;
      const std::optional<std::string> held = ledger_zone_at(transitions, call.finished_us);
      if (held != call.zone) {
        ++counts.contradictions;
        example(counts, contradictions_shown,
                "contradiction: " + describe(log.customer_id, call) + " answered " + call.zone +
                    (call.changed ? " (moved)" : " (no change)") + ", ledger held " + held.value_or("no visit"));
      }
    }
    const auto recorded = static_cast<int>(
        std::count_if(transitions.begin(), transitions.end(), [](const LedgerTransition& t) { return t.to_zone; }));
    const int surplus = recorded - changed_answers - unanswered - new_on_resend;
    if (surplus > 0) {
      counts.surplus_transitions += surplus;
      example(counts, surplus_shown,
              "repeated: " + log.customer_id + " has " + std::to_string(recorded) + " transitions in the ledger, " +
                  std::to_string(changed_answers) + " answered moves, " + std::to_string(unanswered) +
                  " unanswered calls, " + std::to_string(new_on_resend) + " moves answered to re-sends");
    }
  }
}

std::set<std::string> answered_event_ids(const std::vector<CustomerLog>& logs) {
  std::set<std::string> ids;
  for (const CustomerLog& log : logs) {
    for (const CallRecord& call : log.calls) {
      if (call.outcome == Outcome::kAnswered) ids.insert(call.event_ids.begin(), call.event_ids.end());
    }
  }
  return ids;
}

void audit_events(const std::vector<CustomerLog>& logs, const Ledger& ledger, const std::set<std::string>& consumed,
                  TrustCounts& counts) {
  std::size_t lost_shown = 0;
  const std::set<std::string> answered = answered_event_ids(logs);
  for (const std::string& id : answered) {
    if (consumed.contains(id)) continue;
    ++counts.lost;
    const bool in_outbox = ledger.outbox_type.contains(id);
    if (!in_outbox) ++counts.unrecorded;
    example(
        counts, lost_shown,
        "lost: answered event " + id + (in_outbox ? " is in the outbox but not on Kafka" : " is not in the outbox"));
  }
  for (const auto& [id, type] : ledger.outbox_type) {
    if (type != "CustomerLeftStore" && !answered.contains(id)) ++counts.unseen_events;
  }
}

}  // namespace tastesync::chaos
