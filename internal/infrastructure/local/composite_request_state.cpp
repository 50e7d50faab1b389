#include "infrastructure/local/composite_request_state.h"

#include <utility>

namespace tastesync::infrastructure {

CompositeRequestState::CompositeRequestState(application::PresenceStorePort& presence,
                                             application::IdempotencyStorePort& idempotency)
    : presence_(presence), idempotency_(idempotency) {}

domain::Result<application::RequestState> CompositeRequestState::begin(const std::string& customer_id,
                                                                       const std::string& idempotency_key) {
  auto remembered = idempotency_.find(customer_id, idempotency_key);
  if (!remembered) return std::unexpected(remembered.error());
  if (*remembered) return application::RequestState{std::move(*remembered), {}};
  auto record = presence_.load(customer_id);
  if (!record) return std::unexpected(record.error());
  return application::RequestState{std::move(*remembered), std::move(*record)};
}

domain::Result<void> CompositeRequestState::commit(const std::string& customer_id, const domain::PresenceRecord& record,
                                                   const std::string& idempotency_key,
                                                   const application::RememberedReply& reply) {
  if (auto saved = presence_.save(customer_id, record); !saved) return saved;
  return idempotency_.remember(customer_id, idempotency_key, reply);
}

}  // namespace tastesync::infrastructure
