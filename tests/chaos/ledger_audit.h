#pragma once

// Compares what the customers were told (call_record.h) with the PostgreSQL
// ledger (visits, zone_transitions, outbox) and with what reached Kafka. The
// definitions of the counts are in tests/chaos/README.md; each function below
// implements one of them.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "call_record.h"

namespace tastesync::chaos {

struct LedgerTransition {
  std::int64_t id = 0;
  std::int64_t at_us = 0;
  std::optional<std::string> to_zone;  // none: the customer left the store
};

struct Ledger {
  // By customer, in id order (the order the ledger recorded them).
  std::map<std::string, std::vector<LedgerTransition>> transitions;
  std::set<std::string> open_visits;                   // customers with a visit not left
  std::map<std::string, std::string> outbox_type;      // event id -> event type
  std::map<std::string, std::string> outbox_customer;  // event id -> customer
  std::int64_t unsent = 0;                             // outbox rows the relay has not stamped sent
};

// Throws pqxx exceptions when PostgreSQL cannot be read.
Ledger read_ledger(const std::string& postgres_url);
std::int64_t unsent_outbox_rows(const std::string& postgres_url);
std::set<std::string> customers_with_open_visits(const std::string& postgres_url);

struct TrustCounts {
  int calls = 0;                      // the customers' own calls (not re-sends)
  int answered = 0;                   // of them, answered
  int retried = 0;                    // answered or not, after more than one attempt
  int gave_up = 0;                    // retried until the time budget ran out
  int failed = 0;                     // a status the client does not retry
  int resends = 0;                    // re-sends of answered calls
  int lost = 0;                       // answered event ids never consumed from Kafka
  int unrecorded = 0;                 // ... of which not even in the outbox
  int contradictions = 0;             // answers naming a zone the ledger did not hold
  int resend_transitions = 0;         // re-sends of answered calls answered with a new transition
  int resend_other_answers = 0;       // re-sends of answered moves answered otherwise, with no transition
  int surplus_transitions = 0;        // ledger transitions no call accounts for
  int ghosts = 0;                     // open visits / customers shown present after the leave period
  int unseen_events = 0;              // outbox events (not leaves) no reply carried
  std::vector<std::string> examples;  // a few of each violation, for the log

  int repeated() const { return resend_transitions + surplus_transitions; }
};

// Traffic totals, contradictions, re-sends answered otherwise than at first,
// surplus transitions.
void audit_answers(const std::vector<CustomerLog>& logs, const Ledger& ledger, TrustCounts& counts);

// Every event id some reply carried.
std::set<std::string> answered_event_ids(const std::vector<CustomerLog>& logs);

// Lost and unrecorded answers, unseen events.
void audit_events(const std::vector<CustomerLog>& logs, const Ledger& ledger, const std::set<std::string>& consumed,
                  TrustCounts& counts);

}  // namespace tastesync::chaos
