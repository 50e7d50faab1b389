// CachedRequestState against a real redis-server: a sighting that finds this
// instance's copy skips the read, and everything the read would have caught
// is caught by the write instead (another writer, a retried request_id, a
// cache generation that moved, an outage).

#include "infrastructure/redis/cached_request_state.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "infrastructure/local/presence_cache.h"
#include "infrastructure/redis/outage_gate.h"
#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_idempotency_store.h"
#include "infrastructure/redis/redis_presence_store.h"
#include "infrastructure/redis/redis_request_state.h"
#include "integration/local_servers.h"
#include "mocks/fake_clock.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using namespace std::chrono_literals;

std::string unique_id(const std::string& what) { return testing::unique_customer("it-copy-" + what); }

domain::PresenceRecord seated_at(domain::PresenceRecord record, const std::string& table, int second) {
  domain::Presence presence;
  presence.visit_id = "visit-1";
  presence.store_id = "demo-bistro";
  presence.zone_id = table;
  presence.zone_kind = domain::ZoneKind::kTable;
  presence.last_seen = domain::Timestamp{std::chrono::seconds(1'700'000'000 + second)};
  record.presence = presence;
  record.resolver.store_id = "demo-bistro";
  record.resolver.incumbent_zone_id = table;
  return record;
}

application::RememberedReply answer(const std::string& fingerprint, const std::string& table) {
  application::RememberedReply reply;
  reply.request_fingerprint = fingerprint;
  reply.response.customer_id = "c1";
  reply.response.location = {"demo-bistro", table, domain::ZoneKind::kTable, "Table"};
  reply.response.confidence = 0.9;
  return reply;
}

class CachedRequestStateTest : public ::testing::Test {
 protected:
  RedisClientPtr client_ = RedisClient::create(testing::redis_url()).value();
  RedisPresenceStore presence_{client_, 1800s};
  RedisIdempotencyStore idempotency_{client_, 600s};
  RedisRequestState redis_{client_, presence_, idempotency_};
  PresenceCache copies_{1000};
  testing::FakeClock clock_;
  OutageGate gate_{clock_, 1000ms};
  CachedRequestState state_{redis_, copies_, gate_};

  // One sighting that changes nothing: begin, then commit the same place
  // with a later last_seen, confirmed (as the use case does for a confirmed
  // record).
  domain::Result<void> sighting(const std::string& customer, const std::string& request, int second) {
    auto begun = state_.begin(customer, customer + "\n" + request);
    if (!begun) return std::unexpected(begun.error());
    domain::PresenceRecord record = seated_at(begun->record, "table-3", second);
    record.confirmed = true;
    return state_.commit(customer, record, customer + "\n" + request, answer(request, "table-3"));
  }

  // begin_later's delivery, waited for on this thread (not the connection's).
  // nullopt when the call was refused or its reply did not come within 5 s;
  // the promise is shared so that a late delivery finds it alive.
  std::optional<domain::Result<application::RequestState>> read_later(const std::string& customer,
                                                                      const std::string& key) {
    auto read = std::make_shared<std::promise<domain::Result<application::RequestState>>>();
    auto delivered = read->get_future();
    if (!state_.begin_later(customer, key, [read](domain::Result<application::RequestState> got) {
          read->set_value(std::move(got));
        })) {
      return std::nullopt;
    }
    if (delivered.wait_for(5s) != std::future_status::ready) return std::nullopt;
    return delivered.get();
  }
};

TEST_F(CachedRequestStateTest, TheNextSightingStartsFromTheCopyExactlyAsRedisHasIt) {
  const std::string customer = unique_id("warm");
  ASSERT_TRUE(sighting(customer, "r1", 1));
  EXPECT_EQ(copies_.misses(), 1u);  // the first one read Redis

  auto from_copy = state_.begin(customer, customer + "\nr2");
  ASSERT_TRUE(from_copy);
  EXPECT_EQ(copies_.hits(), 1u);
  auto from_redis = redis_.begin(customer, customer + "\nr2");
  ASSERT_TRUE(from_redis);
  EXPECT_EQ(from_copy->record.version, from_redis->record.version);
  EXPECT_EQ(from_copy->record.confirmed, from_redis->record.confirmed);
  EXPECT_EQ(from_copy->record.cache_epoch, from_redis->record.cache_epoch);
  EXPECT_EQ(from_copy->record.presence->zone_id, from_redis->record.presence->zone_id);
  EXPECT_EQ(from_copy->record.presence->last_seen, from_redis->record.presence->last_seen);
  EXPECT_EQ(from_copy->record.resolver.incumbent_zone_id, from_redis->record.resolver.incumbent_zone_id);

  domain::PresenceRecord next = seated_at(from_copy->record, "table-3", 2);
  next.confirmed = true;
  ASSERT_TRUE(state_.commit(customer, next, customer + "\nr2", answer("r2", "table-3")));
  EXPECT_EQ(presence_.load(customer)->version, from_redis->record.version + 1);
  auto replay = redis_.begin(customer, customer + "\nr2");
  ASSERT_TRUE(replay);
  ASSERT_TRUE(replay->remembered);
  EXPECT_EQ(replay->remembered->request_fingerprint, "r2");
}

TEST_F(CachedRequestStateTest, WithoutACopyTheReadAndTheWriteGoWithoutWaitingAndTheCopyIsKept) {
  const std::string customer = unique_id("cold");
  ASSERT_TRUE(sighting(customer, "r1", 1));
  // A restart: this instance holds no copy of the customer.
  ASSERT_TRUE(state_.lend(customer, customer + "\nr2"));
  EXPECT_FALSE(state_.lend(customer, customer + "\nr2"));

  auto read = read_later(customer, customer + "\nr2");
  ASSERT_TRUE(read) << "begin_later refused, or its reply did not come";
  auto& begun = *read;
  ASSERT_TRUE(begun) << begun.error().message;
  ASSERT_FALSE(begun->remembered);
  EXPECT_TRUE(begun->record.confirmed);

  domain::PresenceRecord next = seated_at(begun->record, "table-3", 2);
  next.confirmed = true;
  std::promise<domain::Result<void>> write;
  auto write_done = write.get_future();
  ASSERT_TRUE(state_.commit_later(customer, next, customer + "\nr2", answer("r2", "table-3"),
                                  [&](domain::Result<void> got) { write.set_value(std::move(got)); }));
  ASSERT_EQ(write_done.wait_for(5s), std::future_status::ready);
  auto written = write_done.get();
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(presence_.load(customer)->version, begun->record.version + 1);
  // The written record is this instance's copy again.
  auto lent = state_.lend(customer, customer + "\nr3");
  ASSERT_TRUE(lent);
  EXPECT_EQ(lent->record.version, begun->record.version + 1);
  // And a retry read without waiting finds the first answer.
  auto retry = read_later(customer, customer + "\nr2");
  ASSERT_TRUE(retry) << "begin_later refused, or its reply did not come";
  auto& retried = *retry;
  ASSERT_TRUE(retried) << retried.error().message;
  ASSERT_TRUE(retried->remembered);
  EXPECT_EQ(retried->remembered->request_fingerprint, "r2");
}

TEST_F(CachedRequestStateTest, AnotherWritersSaveIsCaughtByTheWriteAndTheNextTryReadsRedis) {
  const std::string customer = unique_id("overtaken");
  ASSERT_TRUE(sighting(customer, "r1", 1));
  // Another instance (or the leave sweep) writes after us: table 5.
  domain::PresenceRecord theirs = presence_.load(customer).value();
  ASSERT_TRUE(presence_.save(customer, seated_at(theirs, "table-5", 2)));

  auto stale = state_.begin(customer, customer + "\nr2");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->record.presence->zone_id, "table-3");  // our copy, now behind
  domain::PresenceRecord written = seated_at(stale->record, "table-3", 3);
  written.confirmed = true;
  auto lost = state_.commit(customer, written, customer + "\nr2", answer("r2", "table-3"));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::kAborted);
  EXPECT_EQ(presence_.load(customer)->presence->zone_id, "table-5");  // nothing written
  EXPECT_FALSE(idempotency_.find(customer, customer + "\nr2").value());

  // The use case's next try: no copy, so Redis, with the other writer's record.
  auto fresh = state_.begin(customer, customer + "\nr2");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->record.presence->zone_id, "table-5");
}

TEST_F(CachedRequestStateTest, ARetriedRequestIdGetsItsFirstAnswerNotASecondRun) {
  const std::string customer = unique_id("retry");
  ASSERT_TRUE(sighting(customer, "r1", 1));
  // r1 again (the client lost our answer): the copy is lent, the answer is
  // not looked for ...
  auto begun = state_.begin(customer, customer + "\nr1");
  ASSERT_TRUE(begun);
  EXPECT_FALSE(begun->remembered);
  domain::PresenceRecord again = seated_at(begun->record, "table-3", 2);
  again.confirmed = true;
  const std::uint64_t version = presence_.load(customer)->version;
  // ... so the write finds it, writes nothing and has the use case start over.
  auto refused = state_.commit(customer, again, customer + "\nr1", answer("r1-second-run", "table-3"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAborted);
  EXPECT_EQ(presence_.load(customer)->version, version);
  auto replay = state_.begin(customer, customer + "\nr1");
  ASSERT_TRUE(replay);
  ASSERT_TRUE(replay->remembered);
  EXPECT_EQ(replay->remembered->request_fingerprint, "r1");
}

TEST_F(CachedRequestStateTest, ACopyConfirmedBeforeTheCacheGenerationMovedIsNotWritten) {
  const std::string customer = unique_id("fenced");
  ASSERT_TRUE(sighting(customer, "r1", 1));
  ASSERT_TRUE(presence_.load(customer)->confirmed);
  // Another instance came back from an outage and fenced the cache off.
  ASSERT_TRUE(presence_.advance_epoch());

  auto begun = state_.begin(customer, customer + "\nr2");
  ASSERT_TRUE(begun);
  EXPECT_TRUE(begun->record.confirmed);  // the copy cannot know
  domain::PresenceRecord written = seated_at(begun->record, "table-3", 2);
  written.confirmed = true;
  auto refused = state_.commit(customer, written, customer + "\nr2", answer("r2", "table-3"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAborted);
  // Read again: unconfirmed under the new generation, so the use case asks the ledger.
  auto fresh = state_.begin(customer, customer + "\nr2");
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(fresh->record.confirmed);
}

TEST_F(CachedRequestStateTest, NoCopyIsLentWhileRedisIsAwayNorAfterAnOutage) {
  const std::string customer = unique_id("outage");
  ASSERT_TRUE(sighting(customer, "r1", 1));
  gate_.primary_failed(domain::Error{ErrorCode::kUnavailable, "redis down (test)", {}}, "test");
  ASSERT_TRUE(gate_.degraded());
  EXPECT_FALSE(state_.lend(customer, customer + "\nr2"));
  // Nor is anything read without waiting: the blocking path decides an outage.
  bool called = false;
  EXPECT_FALSE(state_.begin_later(customer, customer + "\nr2", [&](auto) { called = true; }));
  EXPECT_FALSE(called);
  ASSERT_TRUE(state_.begin(customer, customer + "\nr2"));
  EXPECT_EQ(copies_.hits(), 0u);
  gate_.primary_succeeded();
  ASSERT_FALSE(gate_.degraded());
  // Back, but the copy was kept before the outage: Redis is read.
  ASSERT_TRUE(state_.begin(customer, customer + "\nr2"));
  EXPECT_EQ(copies_.hits(), 0u);
}

TEST_F(CachedRequestStateTest, AnUnconfirmedRecordStaysUnconfirmedInTheCopy) {
  const std::string customer = unique_id("unconfirmed");
  auto begun = state_.begin(customer, customer + "\nr1");
  ASSERT_TRUE(begun);
  domain::PresenceRecord record = seated_at(begun->record, "table-3", 1);
  record.confirmed = false;  // e.g. written while another writer held it
  ASSERT_TRUE(state_.commit(customer, record, customer + "\nr1", answer("r1", "table-3")));
  auto next = state_.begin(customer, customer + "\nr2");
  ASSERT_TRUE(next);
  EXPECT_EQ(copies_.hits(), 1u);
  EXPECT_FALSE(next->record.confirmed);  // so the use case asks the ledger, as after a read
}

// Redis stops between a copy's lending and its write: the write cannot check
// the copy, so the request must not be answered from it (the fallback would
// have stored and answered it). The gate learns of the outage and the use
// case starts over from local state and the ledger.
TEST(CachedRequestStateOutageTest, ACopyThatCannotBeCheckedIsNotAnswered) {
  const auto dir = testing::make_server_dir("redis-copy-outage");
  const std::string url = testing::start_redis(dir);
  ASSERT_FALSE(url.empty());
  {
    RedisClientPtr client = RedisClient::create(url).value();
    RedisPresenceStore presence(client, 1800s);
    RedisIdempotencyStore idempotency(client, 600s);
    RedisRequestState redis(client, presence, idempotency);
    PresenceCache copies(100);
    testing::FakeClock clock;
    OutageGate gate(clock, 1000ms);
    CachedRequestState state(redis, copies, gate);
    const std::string customer = unique_id("outage-write");

    auto first = state.begin(customer, customer + "\nr1").value();
    domain::PresenceRecord seated = seated_at(first.record, "table-3", 1);
    seated.confirmed = true;
    ASSERT_TRUE(state.commit(customer, seated, customer + "\nr1", answer("r1", "table-3")));
    auto lent = state.begin(customer, customer + "\nr2");
    ASSERT_TRUE(lent);
    ASSERT_EQ(copies.hits(), 1u);

    testing::stop_redis(dir);
    domain::PresenceRecord written = seated_at(lent->record, "table-3", 2);
    written.confirmed = true;
    auto refused = state.commit(customer, written, customer + "\nr2", answer("r2", "table-3"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kAborted);
    EXPECT_TRUE(gate.degraded());
    EXPECT_EQ(gate.outages(), 1u);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
