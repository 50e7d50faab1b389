#pragma once

// A VisitLedgerPort over another ledger that a test can take down, or
// interrupt just before a record() (to interleave two instances exactly).
// Several of them over one inner ledger play instances sharing a database.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "application/ports/visit_ledger_port.h"

namespace tastesync::testing {

class SwitchableLedger final : public application::VisitLedgerPort {
 public:
  explicit SwitchableLedger(application::VisitLedgerPort& inner) : inner_(inner) {}

  domain::Result<void> record(const std::string& customer_id, const std::optional<domain::Presence>& before,
                              const std::optional<domain::Presence>& after,
                              const std::vector<domain::DomainEvent>& events,
                              const std::optional<application::LedgerAnswer>& answer) override {
    if (down) return unavailable();
    if (before_record) std::exchange(before_record, {})();
    ++records;
    return inner_.record(customer_id, before, after, events, answer);
  }
  domain::Result<std::optional<domain::Presence>> current(const std::string& customer_id) const override {
    if (down) return unavailable();
    return inner_.current(customer_id);
  }
  domain::Result<application::LedgerView> recall(const std::string& customer_id,
                                                 domain::Timestamp answers_since) const override {
    if (down) return unavailable();
    ++recalls;
    return inner_.recall(customer_id, answers_since);
  }
  domain::Result<std::vector<application::IdleVisit>> idle_visits(domain::Timestamp cutoff,
                                                                  std::size_t limit) const override {
    if (down) return unavailable();
    return inner_.idle_visits(cutoff, limit);
  }
  domain::Result<bool> touch(const std::string& customer_id, const domain::Presence& seen) override {
    if (down) return unavailable();
    if (before_touch) std::exchange(before_touch, {})();
    return inner_.touch(customer_id, seen);
  }
  domain::Result<std::size_t> forget_answers(domain::Timestamp before) override {
    if (down) return unavailable();
    return inner_.forget_answers(before);
  }
  domain::Result<std::vector<domain::Visit>> visits(const std::string& customer_id, std::size_t limit) const override {
    return inner_.visits(customer_id, limit);
  }
  domain::Result<std::vector<domain::CustomerPresence>> in_store(const std::string& store_id) const override {
    return inner_.in_store(store_id);
  }

  bool down = false;
  std::function<void()> before_record;  // runs once, then is cleared
  std::function<void()> before_touch;   // likewise
  int records = 0;                      // record() calls that reached the inner ledger
  mutable int recalls = 0;              // recall() calls

 private:
  static domain::Error unavailable_error() { return {domain::ErrorCode::kUnavailable, "database down", ""}; }
  static std::unexpected<domain::Error> unavailable() { return std::unexpected(unavailable_error()); }

  application::VisitLedgerPort& inner_;
};

}  // namespace tastesync::testing
