#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "domain/entities/sighting.h"
#include "domain/error.h"

namespace tastesync::application {

// When each customer was last seen, ordered by that time, so leave detection
// finds the silent ones without scanning every presence record.
//
// Who keeps it up to date: the presence store does, as part of saving a
// record (a record with a presence indexes presence->last_seen, one without
// removes the customer), because a separate write would cost every
// identification a round trip. The Redis adapters share the sorted set
// `cid:last_seen` for that (RedisPresenceStore writes it, RedisLastSeenIndex
// reads it); in memory, IndexedPresenceStore wraps a presence store around
// InMemoryLastSeenIndex. IdentifyCustomerUseCase therefore never calls
// touch(); it is for callers that learn of a sighting some other way.
class LastSeenPort {
 public:
  virtual ~LastSeenPort() = default;

  // Records that the customer was seen at `seen_at`; never moves a customer's
  // time backwards.
  virtual domain::Result<void> touch(const std::string& customer_id, domain::Timestamp seen_at) = 0;

  // Customers last seen at or before `older_than`, oldest first, at most
  // `limit`.
  virtual domain::Result<std::vector<std::string>> stale(domain::Timestamp older_than, std::size_t limit) = 0;

  // Drops the customer from the index, but only while their last sighting is
  // still at or before `seen_at_or_before`: a customer seen again meanwhile
  // stays indexed (and is not forgotten by a sweep that saw the old time).
  virtual domain::Result<void> forget(const std::string& customer_id, domain::Timestamp seen_at_or_before) = 0;
};

}  // namespace tastesync::application
