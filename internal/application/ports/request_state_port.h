#pragma once

#include <functional>
#include <optional>
#include <string>

#include "application/ports/idempotency_store_port.h"
#include "domain/entities/presence.h"
#include "domain/error.h"

namespace tastesync::application {

// What one Identify reads before deciding, and writes after.
struct RequestState {
  std::optional<RememberedReply> remembered;  // the first answer to this request_id, if any
  // The customer's presence (version 0 if never seen); left default when a
  // reply is remembered, since the retry is answered without it.
  domain::PresenceRecord record;
};

// The per-request view of PresenceStorePort and IdempotencyStorePort
// together, over the same data, so an adapter can serve each direction in
// one round trip. The separate ports stay for the rare paths (rebasing after
// a concurrent write, the leave sweep).
class RequestStatePort {
 public:
  virtual ~RequestStatePort() = default;
  // The remembered reply for `idempotency_key` and the customer's record,
  // as IdempotencyStorePort::find and PresenceStorePort::load return them.
  virtual domain::Result<RequestState> begin(const std::string& customer_id, const std::string& idempotency_key) = 0;
  // PresenceStorePort::save, then IdempotencyStorePort::remember, as one
  // step: kAborted when the stored version is no longer `record.version`,
  // and then neither is written. As with remember, an answer already stored
  // for the key is kept.
  virtual domain::Result<void> commit(const std::string& customer_id, const domain::PresenceRecord& record,
                                      const std::string& idempotency_key, const RememberedReply& reply) = 0;

  // For a caller on a thread that must not block (Identify's common case on
  // the transport's own thread), without a round trip: what begin() would
  // return, from this instance's own copy of the record, or nothing (then
  // begin(), on a thread that may block). Lending takes the copy: unless
  // commit_later() or commit() writes the record back, the next begin()
  // reads the store. The default lends nothing.
  virtual std::optional<RequestState> lend(const std::string& /*customer_id*/, const std::string& /*idempotency_key*/) {
    return std::nullopt;
  }
  // What begin() returns, for begin_later().
  using BeginOutcome = std::function<void(domain::Result<RequestState>)>;
  // begin() without waiting, for the same caller when nothing is lent (a
  // customer new to this instance, a restart, a copy lent to the customer's
  // other call still under way): `done` is called once, on another thread,
  // with what begin() would have returned. false, and `done` is never
  // called, when this adapter cannot (then begin()). The default cannot.
  virtual bool begin_later(const std::string& /*customer_id*/, const std::string& /*idempotency_key*/,
                           BeginOutcome /*done*/) {  // NOLINT(performance-unnecessary-value-param)
    return false;
  }
  // What commit() returns, for commit_later().
  using CommitOutcome = std::function<void(domain::Result<void>)>;
  // commit() without waiting: `done` is called once, on another thread, with
  // what commit() would have returned. false, and `done` is never called,
  // when this adapter cannot (then commit()). The default cannot. By value:
  // an overrider keeps `done` until the write's outcome arrives.
  virtual bool commit_later(const std::string& /*customer_id*/, const domain::PresenceRecord& /*record*/,
                            const std::string& /*idempotency_key*/, const RememberedReply& /*reply*/,
                            CommitOutcome /*done*/) {  // NOLINT(performance-unnecessary-value-param)
    return false;
  }
};

}  // namespace tastesync::application
