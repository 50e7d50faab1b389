// RedisRequestState against a real redis-server: the batched reads and the
// one-script commit write exactly what the separate stores read.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "infrastructure/redis/key_layout.h"
#include "infrastructure/redis/redis_client.h"
#include "infrastructure/redis/redis_idempotency_store.h"
#include "infrastructure/redis/redis_presence_store.h"
#include "infrastructure/redis/redis_request_state.h"
#include "integration/local_servers.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using namespace std::chrono_literals;

std::string unique_id(const std::string& what) { return testing::unique_customer("it-rs-" + what); }

domain::PresenceRecord at_zone(domain::PresenceRecord record, const std::string& zone) {
  domain::Presence presence;
  presence.visit_id = "visit-1";
  presence.store_id = "store-1";
  presence.zone_id = zone;
  presence.zone_kind = domain::ZoneKind::kTable;
  presence.last_seen = domain::Timestamp{std::chrono::milliseconds(1'700'000'123'456)};
  record.presence = presence;
  record.resolver.store_id = "store-1";
  record.resolver.incumbent_zone_id = zone;
  return record;
}

application::RememberedReply reply_for(const std::string& fingerprint, const std::string& zone) {
  application::RememberedReply reply;
  reply.request_fingerprint = fingerprint;
  reply.response.customer_id = "c1";
  reply.response.location = {"store-1", zone, domain::ZoneKind::kTable, "Table"};
  reply.response.confidence = 0.5;
  reply.response.location_changed = true;
  reply.response.event_ids = {"e1", "e2"};
  return reply;
}

class RedisRequestStateTest : public ::testing::Test {
 protected:
  RedisClientPtr client_ = RedisClient::create(testing::redis_url()).value();
  RedisPresenceStore presence_{client_, 1800s};
  RedisIdempotencyStore idempotency_{client_, 600s};
  RedisRequestState state_{client_, presence_, idempotency_};

  RedisReply command(std::initializer_list<std::string_view> args) {
    auto reply = client_->command(args);
    EXPECT_TRUE(reply) << reply.error().message;
    return reply ? *reply : RedisReply{};
  }
};

TEST_F(RedisRequestStateTest, BeginSeesWhatCommitWroteWithTtlsAndTheLastSeenIndex) {
  const std::string customer = unique_id("c");
  const std::string key = customer + "\nrequest-1";
  auto empty = state_.begin(customer, key);
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_FALSE(empty->remembered);
  EXPECT_EQ(empty->record.version, 0u);
  EXPECT_FALSE(empty->record.presence);

  ASSERT_TRUE(state_.commit(customer, at_zone(empty->record, "table-3"), key, reply_for("fp-1", "table-3")));

  // The same request again: its answer.
  auto retry = state_.begin(customer, key);
  ASSERT_TRUE(retry) << retry.error().message;
  ASSERT_TRUE(retry->remembered);
  EXPECT_EQ(retry->remembered->request_fingerprint, "fp-1");
  EXPECT_EQ(retry->remembered->response.location.zone_id, "table-3");
  EXPECT_EQ(retry->remembered->response.event_ids, (std::vector<std::string>{"e1", "e2"}));
  // A new request: the presence, as the separate stores see it too.
  auto next = state_.begin(customer, customer + "\nrequest-2");
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_FALSE(next->remembered);
  EXPECT_EQ(next->record.version, 1u);
  ASSERT_TRUE(next->record.presence);
  EXPECT_EQ(next->record.presence->zone_id, "table-3");
  EXPECT_EQ(presence_.load(customer)->version, 1u);
  // Kept with the customer's keys (one slot with the presence), not alone.
  EXPECT_EQ(command({"EXISTS", keys::identify_answer(customer, key)}).integer, 1);
  EXPECT_EQ(idempotency_.find(customer, key).value()->request_fingerprint, "fp-1");  // the same key

  const long long presence_ttl = command({"TTL", RedisPresenceStore::key_for(customer)}).integer;
  EXPECT_GT(presence_ttl, 1790);
  EXPECT_LE(presence_ttl, 1800);
  const long long reply_ttl = command({"TTL", keys::identify_answer(customer, key)}).integer;
  EXPECT_GT(reply_ttl, 590);
  EXPECT_LE(reply_ttl, 600);
  EXPECT_EQ(command({"ZSCORE", keys::last_seen_of(customer), customer}).str, "1700000123456");

  // A record without presence leaves the index, as with the store's save.
  domain::PresenceRecord gone = next->record;
  gone.presence.reset();
  ASSERT_TRUE(state_.commit(customer, gone, customer + "\nrequest-2", reply_for("fp-2", "entrance")));
  EXPECT_TRUE(command({"ZSCORE", keys::last_seen_of(customer), customer}).is_nil());
  EXPECT_EQ(presence_.load(customer)->version, 2u);
}

TEST_F(RedisRequestStateTest, BeginLaterReadsWhatBeginReadsOnAnotherThread) {
  const std::string customer = unique_id("later");
  const std::string key = customer + "\nrequest-1";
  auto empty = state_.begin(customer, key);
  ASSERT_TRUE(empty) << empty.error().message;
  ASSERT_TRUE(state_.commit(customer, at_zone(empty->record, "table-3"), key, reply_for("fp-1", "table-3")));

  const auto read_later = [&](const std::string& idempotency_key) {
    std::promise<domain::Result<application::RequestState>> read;
    auto got = read.get_future();
    const auto caller = std::this_thread::get_id();
    std::atomic<bool> elsewhere{false};
    EXPECT_TRUE(state_.begin_later(customer, idempotency_key, [&](domain::Result<application::RequestState> state) {
      elsewhere = std::this_thread::get_id() != caller;
      read.set_value(std::move(state));
    }));
    EXPECT_EQ(got.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(elsewhere) << "delivered on the caller's thread";
    return got.get();
  };
  // The same request: its answer, as begin() reads it.
  auto retry = read_later(key);
  ASSERT_TRUE(retry) << retry.error().message;
  ASSERT_TRUE(retry->remembered);
  EXPECT_EQ(retry->remembered->request_fingerprint, "fp-1");
  // A new request: the record, exactly as begin() reads it.
  auto next = read_later(customer + "\nrequest-2");
  auto blocking = state_.begin(customer, customer + "\nrequest-2");
  ASSERT_TRUE(next) << next.error().message;
  ASSERT_TRUE(blocking) << blocking.error().message;
  EXPECT_FALSE(next->remembered);
  EXPECT_EQ(next->record.version, blocking->record.version);
  EXPECT_EQ(next->record.version, 1u);
  EXPECT_EQ(next->record.confirmed, blocking->record.confirmed);
  EXPECT_EQ(next->record.cache_epoch, blocking->record.cache_epoch);
  ASSERT_TRUE(next->record.presence);
  EXPECT_EQ(next->record.presence->zone_id, "table-3");
  EXPECT_EQ(next->record.presence->last_seen, blocking->record.presence->last_seen);
}

TEST_F(RedisRequestStateTest, ALostCompareAndSetWritesNothing) {
  const std::string customer = unique_id("cas");
  const std::string key = customer + "\nrequest-1";
  auto mine = state_.begin(customer, key).value();
  // Another writer (instance, leave sweep) saves first.
  ASSERT_TRUE(presence_.save(customer, at_zone(mine.record, "table-1")));
  const std::string index_before = command({"ZSCORE", keys::last_seen_of(customer), customer}).str;
  const long long ttl_before = command({"PTTL", RedisPresenceStore::key_for(customer)}).integer;

  domain::PresenceRecord stale = at_zone(mine.record, "table-2");
  stale.presence->last_seen += 5s;
  auto lost = state_.commit(customer, stale, key, reply_for("fp", "table-2"));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::kAborted);
  auto after = presence_.load(customer).value();
  EXPECT_EQ(after.version, 1u);
  EXPECT_EQ(after.presence->zone_id, "table-1");
  EXPECT_EQ(command({"EXISTS", keys::identify_answer(customer, key)}).integer, 0);
  EXPECT_EQ(command({"ZSCORE", keys::last_seen_of(customer), customer}).str, index_before);
  EXPECT_LE(command({"PTTL", RedisPresenceStore::key_for(customer)}).integer, ttl_before);
}

// With an index step, a save re-scores the last-seen index and renews the
// TTL only when the index is a step or more behind it (or ahead of it):
// the index never runs ahead of the record and lags it by less than a step.
TEST(RedisIndexStep, TheIndexAndTheTtlAreRenewedAStepApartAndNeverAheadOfTheRecord) {
  RedisClientPtr client = RedisClient::create(testing::redis_url()).value();
  RedisPresenceStore presence{client, 1800s, 10s};
  RedisIdempotencyStore idempotency{client, 600s};
  RedisRequestState state{client, presence, idempotency};
  const auto command = [&](std::initializer_list<std::string_view> args) {
    auto reply = client->command(args);
    EXPECT_TRUE(reply) << reply.error().message;
    return reply ? *reply : RedisReply{};
  };
  const std::string customer = unique_id("step");
  const std::string key = RedisPresenceStore::key_for(customer);
  const auto index = [&] { return command({"ZSCORE", keys::last_seen_of(customer), customer}); };
  int request = 0;
  // One commit through begin, at last_seen t0 + `after`; the TTL is lowered
  // first so that a renewal shows.
  const auto seen_after = [&](std::chrono::milliseconds after, bool here = true) {
    const std::string idempotency_key = customer + "\nrequest-" + std::to_string(++request);
    auto begun = state.begin(customer, idempotency_key);
    ASSERT_TRUE(begun) << begun.error().message;
    domain::PresenceRecord record = at_zone(begun->record, "table-3");
    record.presence->last_seen += after;
    if (!here) record.presence.reset();
    command({"PEXPIRE", key, "5000"});
    ASSERT_TRUE(state.commit(customer, record, idempotency_key, reply_for("fp", "table-3")));
  };
  const auto renewed = [&] { return command({"PTTL", key}).integer > 1'790'000; };

  seen_after(0ms);
  EXPECT_EQ(index().str, "1700000123456");
  EXPECT_TRUE(renewed());
  seen_after(9'999ms);  // within the step: the record moves, the index and the TTL do not
  EXPECT_EQ(index().str, "1700000123456");
  EXPECT_FALSE(renewed());
  EXPECT_EQ(presence.load(customer)->presence->last_seen.time_since_epoch(), 1'700'000'133'455ms);
  seen_after(10'000ms);  // a step behind: both renewed
  EXPECT_EQ(index().str, "1700000133456");
  EXPECT_TRUE(renewed());
  seen_after(4'000ms);  // a record older than the index (a late report) is indexed as it is
  EXPECT_EQ(index().str, "1700000127456");
  EXPECT_TRUE(renewed());
  seen_after(5'000ms, false);  // no presence: out of the index
  EXPECT_TRUE(index().is_nil());
  EXPECT_TRUE(renewed());
  seen_after(5'500ms);  // back: indexed at once, whatever the step
  EXPECT_EQ(index().str, "1700000128956");
  // The presence store's save is the same script.
  domain::PresenceRecord record = presence.load(customer).value();
  record.presence->last_seen += 20s;
  command({"PEXPIRE", key, "5000"});
  ASSERT_TRUE(presence.save(customer, record));
  EXPECT_EQ(index().str, "1700000148956");
  EXPECT_TRUE(renewed());
}

TEST(RedisIndexStep, IsATwentiethOfTheShorterOfLeaveAfterAndTheTtl) {
  EXPECT_EQ(RedisPresenceStore::index_step_for(600s, 3600s), 30s);
  EXPECT_EQ(RedisPresenceStore::index_step_for(5s, 3600s), 250ms);
  EXPECT_EQ(RedisPresenceStore::index_step_for(7200s, 60s), 3s);
}

TEST_F(RedisRequestStateTest, TheFirstAnswerWinsAndAForgottenScriptIsSentAgain) {
  const std::string customer = unique_id("nx");
  const std::string key = customer + "\nrequest-1";
  ASSERT_TRUE(idempotency_.remember(customer, key, reply_for("fp-first", "table-1")));
  ASSERT_TRUE(command({"SCRIPT", "FLUSH"}).type == RedisReply::Type::kStatus);
  auto committed = state_.commit(customer, at_zone({}, "table-2"), key, reply_for("fp-second", "table-2"));
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ(presence_.load(customer)->presence->zone_id, "table-2");                    // presence written ...
  EXPECT_EQ(state_.begin(customer, key)->remembered->request_fingerprint, "fp-first");  // ... the answer kept
}

TEST_F(RedisRequestStateTest, PipelinedRepliesComeBackInOrderWithErrorsAsValues) {
  const std::string key = unique_id("pipe");
  ASSERT_TRUE(client_->command({"SET", key, "a value"}));
  const std::array<std::string_view, 2> get{"GET", key};
  const std::array<std::string_view, 3> wrong{"HGET", key, "v"};  // WRONGTYPE
  const std::array<std::string_view, 1> ping{"PING"};
  const std::array<std::span<const std::string_view>, 3> commands{get, wrong, ping};
  auto replies = client_->pipeline(commands);
  ASSERT_TRUE(replies) << replies.error().message;
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0].str, "a value");
  EXPECT_TRUE((*replies)[1].is_error());
  EXPECT_EQ((*replies)[2].str, "PONG");
  // A corrupt value is an error from begin, never a crash.
  const std::string customer = unique_id("corrupt");
  ASSERT_TRUE(client_->command({"SET", RedisPresenceStore::key_for(customer), "not a hash"}));
  EXPECT_EQ(state_.begin(customer, customer + "\nr").error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
