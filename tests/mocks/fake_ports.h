#pragma once

// Fakes of driven ports for unit tests of the core (Envoy's test/mocks idea):
// deterministic ids, a scriptable table-QR verifier, a ledger that can be
// told to fail.

#include <gmock/gmock.h>

#include <map>
#include <string>
#include <vector>

#include "application/ports/event_publisher_port.h"
#include "application/ports/id_generator_port.h"
#include "application/ports/table_qr_port.h"
#include "application/ports/visit_ledger_port.h"

namespace tastesync::testing {

class SequentialIds final : public application::IdGeneratorPort {
 public:
  std::string next_id() override { return "id-" + std::to_string(++count_); }

 private:
  int count_ = 0;
};

// Accepts exactly the payloads it was told about.
class FakeTableQr final : public application::TableQrVerifierPort {
 public:
  void accept(const std::string& payload, const std::string& store_id, const std::string& zone_id) {
    valid_[payload] = application::TableQrClaim{store_id, zone_id, "test-key"};
  }
  domain::Result<application::TableQrClaim> verify(std::string_view payload) const override {
    const auto it = valid_.find(std::string(payload));
    if (it == valid_.end())
      return domain::fail(domain::ErrorCode::kInvalidArgument, "signature does not verify", "table_qr");
    return it->second;
  }

 private:
  std::map<std::string, application::TableQrClaim> valid_;
};

class MockVisitLedger final : public application::VisitLedgerPort {
 public:
  MOCK_METHOD(domain::Result<void>, record,
              (const std::string& customer_id, const std::optional<domain::Presence>& before,
               const std::optional<domain::Presence>& after, const std::vector<domain::DomainEvent>& events,
               const std::optional<application::LedgerAnswer>& answer),
              (override));
  MOCK_METHOD(domain::Result<application::LedgerView>, recall,
              (const std::string& customer_id, domain::Timestamp answers_since), (const, override));
  MOCK_METHOD(domain::Result<std::vector<application::IdleVisit>>, idle_visits,
              (domain::Timestamp cutoff, std::size_t limit), (const, override));
  MOCK_METHOD(domain::Result<bool>, touch, (const std::string& customer_id, const domain::Presence& seen), (override));
  MOCK_METHOD(domain::Result<std::size_t>, forget_answers, (domain::Timestamp before), (override));
  MOCK_METHOD(domain::Result<std::optional<domain::Presence>>, current, (const std::string& customer_id),
              (const, override));
  MOCK_METHOD(domain::Result<std::vector<domain::Visit>>, visits, (const std::string& customer_id, std::size_t limit),
              (const, override));
  MOCK_METHOD(domain::Result<std::vector<domain::CustomerPresence>>, in_store, (const std::string& store_id),
              (const, override));
};

}  // namespace tastesync::testing
