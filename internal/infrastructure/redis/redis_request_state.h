#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>

#include "application/ports/request_state_port.h"
#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_idempotency_store.h"
#include "infrastructure/redis/redis_presence_store.h"

namespace tastesync::infrastructure::redis {

// An Identify's reads and writes in one round trip each, over the keys of
// RedisPresenceStore and RedisIdempotencyStore (same keys, values, TTLs and
// last-seen index), so the separate stores and this adapter see the same
// data. On loopback a round trip costs tens of microseconds of mostly kernel
// time; the four an Identify made through the separate stores were most of
// its cost.
//  - begin: GET of the remembered reply, HMGET of the presence and GET of
//    the cache generation, pipelined on one connection (begin_later: the
//    same, without waiting).
//  - commit: one script doing the presence store's compare-and-set save
//    (hash, TTL, last-seen index) and, only if that succeeded, the
//    idempotency store's SET NX EX; a lost compare-and-set writes nothing.
//    A record read from this instance's copy instead of begin() is committed
//    with commit_from(kLocalCopy), which checks in the same script what
//    begin() would have read.
// Redis Cluster: four keys in different hash slots (see
// RedisPresenceStore), so a single-shard Redis as it stands.
class RedisRequestState final : public application::RequestStatePort {
 public:
  // Takes the TTLs of `presence` and `idempotency`; they need not outlive this.
  RedisRequestState(RedisClientPtr client, const RedisPresenceStore& presence,
                    const RedisIdempotencyStore& idempotency);

  domain::Result<application::RequestState> begin(const std::string& customer_id,
                                                  const std::string& idempotency_key) override;
  domain::Result<void> commit(const std::string& customer_id, const domain::PresenceRecord& record,
                              const std::string& idempotency_key, const application::RememberedReply& reply) override;
  // begin() without waiting (RedisClient::pipeline_later): false on a
  // cluster or when too many such calls wait, and `done` is not called.
  bool begin_later(const std::string& customer_id, const std::string& idempotency_key, BeginOutcome done) override;

  // Where the record a commit writes was read.
  enum class ReadFrom {
    kRedis,  // by begin(), with the remembered reply: as commit()
    // This instance's copy (PresenceCache): begin() did not look for a
    // remembered reply, and the copy may be older than the last cache
    // generation. So the script also refuses when the request was answered
    // already (kAnswered: the caller answers from Redis instead), and a
    // record to be stored confirmed under a generation that has moved is not
    // stored at all (kAborted), rather than stored unconfirmed.
    kLocalCopy,
  };
  enum class Committed {
    kStored,             // as asked (confirmed if the record was)
    kStoredUnconfirmed,  // asked to confirm, but the generation had moved
    kAnswered,           // kLocalCopy only: the request_id has an answer; nothing written
  };
  // commit(), saying what was stored; kAborted when the version moved.
  domain::Result<Committed> commit_from(const std::string& customer_id, const domain::PresenceRecord& record,
                                        const std::string& idempotency_key, const application::RememberedReply& reply,
                                        ReadFrom read_from);
  // commit_from() without waiting (RedisClient::eval_later): `done` gets
  // its outcome on another thread. false, and `done` is not called, when
  // that cannot be (a cluster, too many waiting, a record that cannot be
  // encoded): then commit_from(). A script Redis has forgotten comes back
  // as kUnavailable here; commit_from() loads it.
  using CommittedOutcome = std::function<void(domain::Result<Committed>)>;
  bool commit_later_from(const std::string& customer_id, const domain::PresenceRecord& record,
                         const std::string& idempotency_key, const application::RememberedReply& reply,
                         ReadFrom read_from, CommittedOutcome done);
  // Whether commit_later_from() can be used at all.
  bool commits_later() const { return client_->evaluates_later(); }

 private:
  // begin()'s commands, and the strings they view.
  struct BeginCall;
  // What begin()'s replies say.
  static domain::Result<application::RequestState> state_from(const std::string& customer_id,
                                                              domain::Result<std::vector<RedisReply>> replies);
  // The commit script's keys and arguments, and the strings they view.
  struct CommitCall;
  static domain::Result<CommitCall> commit_call(const std::string& customer_id, const domain::PresenceRecord& record,
                                                const std::string& idempotency_key,
                                                const application::RememberedReply& reply);
  std::array<std::string_view, 13> script_arguments(const CommitCall& call, const std::string& customer_id,
                                                    ReadFrom read_from) const;

  RedisClientPtr client_;
  std::string presence_ttl_ms_;
  std::string index_step_ms_;
  std::string reply_ttl_seconds_;
};

}  // namespace tastesync::infrastructure::redis
