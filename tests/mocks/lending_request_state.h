#pragma once

// A RequestStatePort that lends (what begin() reads, as a copy would be),
// reads later and commits later: the reads and commits wait until the test
// delivers them, as a Redis connection's thread would, so a test sees what
// happens before and after each outcome arrives.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "application/ports/request_state_port.h"
#include "infrastructure/local/composite_request_state.h"

namespace tastesync::testing {

class LendingRequestState final : public application::RequestStatePort {
 public:
  LendingRequestState(application::PresenceStorePort& presence, application::IdempotencyStorePort& idempotency)
      : inner(presence, idempotency) {}

  domain::Result<application::RequestState> begin(const std::string& id, const std::string& key) override {
    return inner.begin(id, key);
  }
  domain::Result<void> commit(const std::string& id, const domain::PresenceRecord& record, const std::string& key,
                              const application::RememberedReply& reply) override {
    return inner.commit(id, record, key, reply);
  }
  std::optional<application::RequestState> lend(const std::string& id, const std::string& key) override {
    ++lends;
    if (!lending) return std::nullopt;
    auto begun = inner.begin(id, key);
    if (!begun) return std::nullopt;
    return std::move(*begun);
  }
  bool begin_later(const std::string& id, const std::string& key, BeginOutcome done) override {
    if (!reading_later) return false;
    waiting.push_back([this, id, key, done = std::move(done)] {
      done(read_error ? domain::Result<application::RequestState>(std::unexpected(*read_error)) : inner.begin(id, key));
    });
    return true;
  }
  bool commit_later(const std::string& id, const domain::PresenceRecord& record, const std::string& key,
                    const application::RememberedReply& reply, CommitOutcome done) override {
    if (!accepting) return false;
    waiting.push_back([this, id, record, key, reply, done = std::move(done)] {
      done(outcome ? *outcome : inner.commit(id, record, key, reply));
    });
    return true;
  }
  // The waiting reads and commits reach the store, and their outcomes their
  // callers (a commit sent by a read's caller waits for the next delivery).
  void deliver() {
    auto now = std::move(waiting);
    waiting.clear();
    for (auto& commit_now : now) commit_now();
  }

  infrastructure::CompositeRequestState inner;
  bool lending = true;                          // false: no copy to lend
  bool reading_later = true;                    // false: begin_later refuses
  std::optional<domain::Error> read_error;      // set: every delivered read fails so
  bool accepting = true;                        // false: commit_later refuses
  std::optional<domain::Result<void>> outcome;  // set: every delivered commit ends so, unwritten
  std::vector<std::function<void()>> waiting;
  int lends = 0;
};

}  // namespace tastesync::testing
