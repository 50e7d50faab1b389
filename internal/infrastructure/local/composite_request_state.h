#pragma once

// RequestStatePort over a separate presence store and idempotency store,
// one call to each per direction: right when they are in memory (unit tests,
// single-process runs, Redis-outage fallback), where a call costs nothing.

#include <string>

#include "application/ports/idempotency_store_port.h"
#include "application/ports/presence_store_port.h"
#include "application/ports/request_state_port.h"

namespace tastesync::infrastructure {

class CompositeRequestState final : public application::RequestStatePort {
 public:
  // Both must outlive this.
  CompositeRequestState(application::PresenceStorePort& presence, application::IdempotencyStorePort& idempotency);

  domain::Result<application::RequestState> begin(const std::string& customer_id,
                                                  const std::string& idempotency_key) override;
  // Saves, then remembers only if the save succeeded.
  domain::Result<void> commit(const std::string& customer_id, const domain::PresenceRecord& record,
                              const std::string& idempotency_key, const application::RememberedReply& reply) override;

 private:
  application::PresenceStorePort& presence_;
  application::IdempotencyStorePort& idempotency_;
};

}  // namespace tastesync::infrastructure
