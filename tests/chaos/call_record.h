#pragma once

// What a customer's phone saw: one record per Identify call (a call is one
// request id, with all its attempts), in the order the customer made them.

#include <cstdint>
#include <string>
#include <vector>

#include <grpcpp/support/status_code_enum.h>

namespace tastesync::chaos {

// Microseconds since the Unix epoch, this machine's wall clock: the server
// stamps the ledger with the same clock.
std::int64_t now_us();

enum class Outcome {
  kAnswered,  // an OK reply
  kGaveUp,    // retryable failures until the call's time budget ran out
  kFailed,    // a status the client does not retry (a bug, in this traffic)
};

struct CallRecord {
  std::string request_id;
  bool table_qr = false;      // a table QR scan (a transition) or a beacon report
  unsigned target_minor = 0;  // the table scanned, or the loudest beacon's minor
  std::string target_zone;    // its zone id
  // A re-send of an answered request (same request id and body): the index
  // of that first call in the customer's log, else -1.
  int replay_of = -1;
  std::int64_t sent_us = 0;      // first attempt sent
  std::int64_t finished_us = 0;  // reply (or the last failure) received
  int attempts = 0;
  int answered_by = -1;  // instance index
  Outcome outcome = Outcome::kGaveUp;
  grpc::StatusCode last_code = grpc::StatusCode::OK;
  std::string last_message;
  // The reply, when answered.
  std::string zone;
  bool changed = false;
  std::vector<std::string> event_ids;
};

struct CustomerLog {
  std::string customer_id;
  std::vector<CallRecord> calls;
};

}  // namespace tastesync::chaos
