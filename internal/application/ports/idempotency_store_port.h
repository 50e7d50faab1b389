#pragma once

#include <optional>
#include <string>

#include "application/ports/identify_customer_port.h"
#include "domain/error.h"

namespace tastesync::application {

// The first answer to each (caller, request_id), so a retry gets it again.
struct RememberedReply {
  std::string request_fingerprint;  // digest of the request body
  IdentifyResponse response;
};

class IdempotencyStorePort {
 public:
  virtual ~IdempotencyStorePort() = default;
  // Answers are kept with the customer they are about, so an adapter can put
  // them beside the customer's presence (the same Redis Cluster slot), where
  // the script that writes presence can see them.
  virtual domain::Result<std::optional<RememberedReply>> find(const std::string& customer_id,
                                                              const std::string& key) const = 0;
  virtual domain::Result<void> remember(const std::string& customer_id, const std::string& key,
                                        const RememberedReply& reply) = 0;
};

}  // namespace tastesync::application
