#pragma once

// The last-seen index in memory, for unit tests and single-process runs.
//
// As with Redis (see application/ports/last_seen_port.h), the presence store
// keeps the index: IndexedPresenceStore wraps any presence store and, after
// each successful save, indexes presence->last_seen (or drops a customer
// whose record has no presence).

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "application/ports/last_seen_port.h"
#include "application/ports/presence_store_port.h"

namespace tastesync::testing {

class InMemoryLastSeenIndex final : public application::LastSeenPort {
 public:
  domain::Result<void> touch(const std::string& customer_id, domain::Timestamp seen_at) override;
  domain::Result<std::vector<std::string>> stale(domain::Timestamp older_than, std::size_t limit) override;
  domain::Result<void> forget(const std::string& customer_id, domain::Timestamp seen_at_or_before) override;

  // Mirrors a saved record: unlike touch(), may move a time backwards, the
  // way RedisPresenceStore's script writes the record's last_seen as is.
  void set(const std::string& customer_id, domain::Timestamp seen_at);
  void erase(const std::string& customer_id);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, domain::Timestamp> last_seen_;
};

// A presence store that keeps an InMemoryLastSeenIndex up to date, as
// RedisPresenceStore keeps the last-seen index. Both must outlive it.
class IndexedPresenceStore final : public application::PresenceStorePort {
 public:
  IndexedPresenceStore(application::PresenceStorePort& inner, InMemoryLastSeenIndex& index);

  domain::Result<domain::PresenceRecord> load(const std::string& customer_id) override;
  domain::Result<void> save(const std::string& customer_id, const domain::PresenceRecord& record) override;

 private:
  application::PresenceStorePort& inner_;
  InMemoryLastSeenIndex& index_;
};

}  // namespace tastesync::testing
