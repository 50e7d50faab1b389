#include "infrastructure/redis/fallback_stores.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "infrastructure/local/composite_request_state.h"
#include "infrastructure/local/local_stores.h"
#include "mocks/fake_clock.h"
#include "mocks/switchable_cache.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;
using namespace std::chrono_literals;
using testing::Mode;
using testing::SwitchableIdempotency;
using testing::SwitchablePresence;
using testing::SwitchableRequestState;

domain::PresenceRecord at_zone(domain::PresenceRecord record, const std::string& zone) {
  domain::Presence presence;
  presence.visit_id = "visit-1";
  presence.store_id = "store-1";
  presence.zone_id = zone;
  record.presence = presence;
  return record;
}

std::string zone_of(const domain::PresenceRecord& record) { return record.presence ? record.presence->zone_id : ""; }

class FallbackPresenceStoreTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  SwitchablePresence primary_;
  OutageGatePtr gate_ = std::make_shared<OutageGate>(clock_, 1000ms);
  int advances_ = 0;  // cache generations advanced
  CacheFencePtr fence_ = std::make_shared<CacheFence>(gate_, [this]() -> domain::Result<void> {
    ++advances_;
    return {};
  });
  FallbackPresenceStore store_{primary_, gate_, fence_};
};

TEST_F(FallbackPresenceStoreTest, UsesOnlyThePrimaryWhileItIsUp) {
  auto loaded = store_.load("c1");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->version, 0u);
  ASSERT_TRUE(store_.save("c1", at_zone(*loaded, "table-1")));
  EXPECT_EQ(zone_of(primary_.store.load("c1").value()), "table-1");
  EXPECT_EQ(store_.load("c1")->version, 1u);
  EXPECT_EQ(store_.fallbacks(), 0u);
  EXPECT_FALSE(gate_->degraded());
}

TEST_F(FallbackPresenceStoreTest, LocalCopiesAreNeverConfirmedAndRedisIsFencedAfterAnOutage) {
  domain::PresenceRecord confirmed = at_zone(domain::PresenceRecord{}, "table-1");
  confirmed.confirmed = true;
  ASSERT_TRUE(primary_.store.save("c1", confirmed));
  ASSERT_TRUE(store_.load("c1")->confirmed);  // no outage yet: Redis is believed
  EXPECT_EQ(advances_, 0);

  primary_.mode = Mode::kDown;
  auto local = store_.load("c1");
  ASSERT_TRUE(local);
  EXPECT_FALSE(local->confirmed);
  domain::PresenceRecord written = at_zone(*local, "table-2");
  written.confirmed = true;  // even if a writer asks, a local copy is not vouched for on reading
  ASSERT_TRUE(store_.save("c1", written));
  EXPECT_FALSE(store_.load("c1")->confirmed);

  // Back: the first read from Redis is not trusted, and the generation
  // moves once; later reads are believed again.
  primary_.mode = Mode::kUp;
  clock_.advance(2s);
  auto first = store_.load("c1");
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->confirmed);
  EXPECT_EQ(advances_, 1);
  EXPECT_TRUE(store_.load("c1")->confirmed);
  EXPECT_EQ(advances_, 1);
}

TEST_F(FallbackPresenceStoreTest, AFailedFenceLeavesRedisUntrustedUntilItWorks) {
  bool fence_works = false;
  auto fence = std::make_shared<CacheFence>(gate_, [&]() -> domain::Result<void> {
    if (!fence_works) return domain::fail(domain::ErrorCode::kUnavailable, "redis went away again");
    return {};
  });
  FallbackPresenceStore store(primary_, gate_, fence);
  domain::PresenceRecord confirmed = at_zone(domain::PresenceRecord{}, "table-1");
  confirmed.confirmed = true;
  ASSERT_TRUE(primary_.store.save("c1", confirmed));
  primary_.mode = Mode::kDown;
  ASSERT_TRUE(store.load("c1"));
  primary_.mode = Mode::kUp;
  clock_.advance(2s);
  EXPECT_FALSE(store.load("c1")->confirmed);
  EXPECT_FALSE(store.load("c1")->confirmed);
  fence_works = true;
  EXPECT_FALSE(store.load("c1")->confirmed);  // read before the fence moved
  EXPECT_TRUE(store.load("c1")->confirmed);
}

// The chaos suite's hung Redis: right after it came back, one request's read
// was sent before another request finished advancing the generation, and was
// trusted because the fence was complete by the time it asked.
TEST_F(FallbackPresenceStoreTest, AReadSentBeforeTheFenceIsNotTrustedEvenIfTheFenceFinishesFirst) {
  gate_->primary_failed(fail(ErrorCode::kUnavailable, "redis hung").error(), "presence.load");
  clock_.advance(2s);
  gate_->primary_succeeded();
  const std::uint64_t early_read = fence_->ticket();
  EXPECT_FALSE(fence_->settled(fence_->ticket()));  // another request fences
  EXPECT_EQ(advances_, 1);
  EXPECT_FALSE(fence_->settled(early_read));  // sent before the increments
  EXPECT_EQ(advances_, 1);
  EXPECT_TRUE(fence_->settled(fence_->ticket()));  // a read sent after them
}

TEST_F(FallbackPresenceStoreTest, WritingALocalRecordOverRedisKeepsAHoldAndConfirmsNothing) {
  domain::PresenceRecord held = at_zone(domain::PresenceRecord{}, "table-1");
  held.ledger_hold_until = clock_.now() + 30s;
  ASSERT_TRUE(primary_.store.save("c1", held));
  primary_.mode = Mode::kDown;
  auto local = store_.load("c1");
  ASSERT_TRUE(local);
  domain::PresenceRecord mine = at_zone(*local, "table-2");
  mine.confirmed = true;
  primary_.mode = Mode::kUp;
  clock_.advance(2s);
  ASSERT_TRUE(store_.save("c1", mine));
  const domain::PresenceRecord stored = primary_.store.load("c1").value();
  EXPECT_EQ(zone_of(stored), "table-2");
  EXPECT_FALSE(stored.confirmed);
  EXPECT_EQ(stored.ledger_hold_until, held.ledger_hold_until);
}

TEST_F(FallbackPresenceStoreTest, AbortedAndInternalErrorsAreNotOutages) {
  auto loaded = store_.load("c1").value();
  ASSERT_TRUE(store_.save("c1", at_zone(loaded, "table-1")));
  auto stale = store_.save("c1", at_zone(loaded, "table-2"));  // version 0 again
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kAborted);

  primary_.mode = Mode::kCorrupt;
  auto corrupt = store_.load("c1");
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(gate_->degraded());
  EXPECT_EQ(store_.fallbacks(), 0u);
}

TEST_F(FallbackPresenceStoreTest, AHoldKeptLocallyIsAnnouncedToRedisSoOtherInstancesStopTrustingIt) {
  // Another instance confirmed the customer at table-3 in Redis.
  domain::PresenceRecord seated = at_zone({}, "table-3");
  seated.confirmed = true;
  ASSERT_TRUE(primary_.store.save("c1", seated));
  // A reply came late here: this instance goes local, though Redis is fine
  // for the others.
  primary_.mode = Mode::kDown;
  auto loaded = store_.load("c1");
  ASSERT_TRUE(loaded);
  ASSERT_TRUE(gate_->degraded());
  primary_.mode = Mode::kUp;
  // A sighting that changes nothing, saved locally, tells Redis nothing.
  ASSERT_TRUE(store_.save("c1", at_zone(*loaded, "table-3")));
  EXPECT_EQ(primary_.distrusts, 0);
  // A hold (a ledger change is next) does: Redis's record is no longer
  // trusted by anyone, whatever its version.
  const domain::Timestamp hold_until = clock_.now() + 2s;
  domain::PresenceRecord hold = store_.load("c1").value();
  hold.confirmed = false;
  hold.ledger_hold_until = hold_until;
  ASSERT_TRUE(store_.save("c1", hold));
  EXPECT_EQ(primary_.distrusts, 1);
  EXPECT_TRUE(gate_->degraded()) << "telling Redis is not a probe";
  const domain::PresenceRecord in_redis = primary_.store.load("c1").value();
  EXPECT_FALSE(in_redis.confirmed);
  EXPECT_EQ(in_redis.ledger_hold_until, hold_until);
  EXPECT_EQ(in_redis.version, 2u);  // a writer that read version 1 cannot confirm it
  EXPECT_EQ(zone_of(in_redis), "table-3");
  // Redis away for everyone: the hold stays local, and the save still works.
  primary_.mode = Mode::kDown;
  hold = store_.load("c1").value();
  hold.ledger_hold_until = hold_until + 1s;
  ASSERT_TRUE(store_.save("c1", hold));
  EXPECT_EQ(primary_.distrusts, 2);
}

TEST_F(FallbackPresenceStoreTest, ServesLocallyAndBacksOffDuringAnOutage) {
  primary_.mode = Mode::kDown;
  auto loaded = store_.load("c1");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(gate_->degraded());
  EXPECT_EQ(primary_.calls, 1);
  ASSERT_TRUE(store_.save("c1", at_zone(*loaded, "table-1")));
  // Within the back-off the primary is not asked at all: no timeout per request.
  for (int i = 0; i < 10; ++i) {
    auto again = store_.load("c1");
    ASSERT_TRUE(again);
    EXPECT_EQ(zone_of(*again), "table-1");
    ASSERT_TRUE(store_.save("c1", *again));
    clock_.advance(50ms);
  }
  EXPECT_EQ(primary_.calls, 1);
  EXPECT_EQ(store_.fallbacks(), 22u);

  // After the back-off one request probes; still down, so back to local.
  clock_.advance(600ms);
  ASSERT_TRUE(store_.load("c1"));
  EXPECT_EQ(primary_.calls, 2);
  ASSERT_TRUE(store_.load("c1"));
  EXPECT_EQ(primary_.calls, 2);
  EXPECT_EQ(gate_->outages(), 1u);
}

TEST_F(FallbackPresenceStoreTest, OnlyOneCallerProbesAfterTheBackOff) {
  primary_.mode = Mode::kDown;
  ASSERT_TRUE(store_.load("c1"));
  clock_.advance(1001ms);
  EXPECT_TRUE(gate_->should_try_primary());
  EXPECT_FALSE(gate_->should_try_primary());
  EXPECT_FALSE(gate_->should_try_primary());
}

TEST_F(FallbackPresenceStoreTest, GoesBackToThePrimaryByItselfAfterRecovery) {
  primary_.mode = Mode::kDown;
  ASSERT_TRUE(store_.load("c1"));
  primary_.mode = Mode::kUp;
  ASSERT_TRUE(store_.load("c1"));  // still backing off: local
  EXPECT_EQ(primary_.calls, 1);
  clock_.advance(1s);
  auto loaded = store_.load("c1");
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(gate_->degraded());
  EXPECT_EQ(loaded->version & FallbackPresenceStore::kLocalVersionBit, 0u);
  ASSERT_TRUE(store_.save("c1", at_zone(*loaded, "table-9")));
  EXPECT_EQ(zone_of(primary_.store.load("c1").value()), "table-9");
  const int calls = primary_.calls;
  ASSERT_TRUE(store_.load("c1"));
  EXPECT_EQ(primary_.calls, calls + 1);
}

TEST_F(FallbackPresenceStoreTest, ARecordReadFromThePrimaryIsSavedLocallyWhenItGoesDown) {
  // Give the primary a version the local store has never heard of.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_.save("c1", store_.load("c1").value()));
  auto loaded = store_.load("c1").value();
  EXPECT_EQ(loaded.version, 5u);
  primary_.mode = Mode::kDown;
  ASSERT_TRUE(store_.save("c1", at_zone(loaded, "table-4")));
  auto local = store_.load("c1").value();
  EXPECT_EQ(zone_of(local), "table-4");
  EXPECT_NE(local.version & FallbackPresenceStore::kLocalVersionBit, 0u);
}

TEST_F(FallbackPresenceStoreTest, LocalSavesAreStillCompareAndSet) {
  primary_.mode = Mode::kDown;
  auto first = store_.load("c1").value();
  ASSERT_TRUE(store_.save("c1", at_zone(first, "table-1")));
  auto stale = store_.save("c1", at_zone(first, "table-2"));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kAborted);
  EXPECT_EQ(zone_of(store_.load("c1").value()), "table-1");
}

TEST_F(FallbackPresenceStoreTest, ARecordReadLocallyIsWrittenOverThePrimaryAfterRecovery) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_.save("c1", store_.load("c1").value()));
  primary_.mode = Mode::kDown;
  auto local = store_.load("c1").value();
  primary_.mode = Mode::kUp;
  clock_.advance(2s);
  ASSERT_TRUE(store_.save("c1", at_zone(local, "table-7")));
  EXPECT_FALSE(gate_->degraded());
  const auto in_primary = primary_.store.load("c1").value();
  EXPECT_EQ(zone_of(in_primary), "table-7");
  EXPECT_EQ(in_primary.version, 4u);
}

TEST_F(FallbackPresenceStoreTest, EachOutageStartsFromAnEmptyLocalStore) {
  primary_.mode = Mode::kDown;
  ASSERT_TRUE(store_.save("c1", at_zone(store_.load("c1").value(), "table-1")));
  primary_.mode = Mode::kUp;
  clock_.advance(2s);
  ASSERT_TRUE(store_.load("c2"));
  EXPECT_FALSE(gate_->degraded());
  primary_.mode = Mode::kDown;
  auto second_outage = store_.load("c1");
  ASSERT_TRUE(second_outage);
  EXPECT_FALSE(second_outage->presence);
  EXPECT_EQ(gate_->outages(), 2u);
}

TEST(OutageGate, ProbesAtOnceWhenTheClockStepsBack) {
  testing::FakeClock clock;
  OutageGate gate(clock, 1000ms);
  gate.primary_failed(domain::Error{ErrorCode::kUnavailable, "down", {}}, "test");
  EXPECT_FALSE(gate.should_try_primary());
  clock.advance(-1h);
  EXPECT_TRUE(gate.should_try_primary());
}

class FallbackIdempotencyStoreTest : public ::testing::Test {
 protected:
  static application::RememberedReply reply(const std::string& zone) {
    application::RememberedReply r;
    r.request_fingerprint = "fp-" + zone;
    r.response.location.zone_id = zone;
    return r;
  }

  testing::FakeClock clock_;
  SwitchableIdempotency primary_{clock_};
  OutageGatePtr gate_ = std::make_shared<OutageGate>(clock_, 1000ms);
  FallbackIdempotencyStore store_{primary_, gate_, 1000, 3600s};
};

TEST_F(FallbackIdempotencyStoreTest, UsesThePrimaryWhileItIsUp) {
  ASSERT_TRUE(store_.remember("c1", "k1", reply("t1")));
  EXPECT_TRUE(primary_.store.find("c1", "k1").value());
  EXPECT_EQ(store_.find("c1", "k1").value()->request_fingerprint, "fp-t1");
  EXPECT_EQ(store_.fallbacks(), 0u);
}

TEST_F(FallbackIdempotencyStoreTest, RemembersLocallyDuringAnOutageAndStillAnswersAfterIt) {
  primary_.mode = Mode::kDown;
  ASSERT_TRUE(store_.remember("c1", "k1", reply("t1")));
  auto found = store_.find("c1", "k1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->request_fingerprint, "fp-t1");
  EXPECT_EQ(primary_.calls, 1);
  EXPECT_EQ(store_.fallbacks(), 2u);

  primary_.mode = Mode::kUp;
  clock_.advance(1s);
  // Redis never saw k1; the answer given during the outage is still found.
  auto after = store_.find("c1", "k1");
  ASSERT_TRUE(after);
  ASSERT_TRUE(*after);
  EXPECT_EQ((*after)->request_fingerprint, "fp-t1");
  EXPECT_FALSE(gate_->degraded());
  ASSERT_TRUE(store_.remember("c1", "k2", reply("t2")));
  EXPECT_TRUE(primary_.store.find("c1", "k2").value());
}

TEST(FallbackStores, ShareOneGateSoAnOutageIsCountedOnce) {
  testing::FakeClock clock;
  auto gate = std::make_shared<OutageGate>(clock, 1000ms);
  SwitchablePresence presence_primary;
  SwitchableIdempotency idempotency_primary(clock);
  FallbackPresenceStore presence(presence_primary, gate,
                                 std::make_shared<CacheFence>(gate, []() -> domain::Result<void> { return {}; }));
  FallbackIdempotencyStore idempotency(idempotency_primary, gate, 100, 60s);
  presence_primary.mode = Mode::kDown;
  idempotency_primary.mode = Mode::kDown;
  ASSERT_TRUE(idempotency.find("c1", "k"));
  ASSERT_TRUE(presence.load("c"));
  EXPECT_EQ(gate->outages(), 1u);
  // The presence store did not even try: the gate was already backing off.
  EXPECT_EQ(presence_primary.calls, 0);
}

class FallbackRequestStateTest : public ::testing::Test {
 protected:
  void set_redis(Mode mode) {
    presence_primary_.mode = mode;
    idempotency_primary_.mode = mode;
  }
  static application::RememberedReply reply(const std::string& zone) {
    application::RememberedReply r;
    r.request_fingerprint = "fp-" + zone;
    r.response.location.zone_id = zone;
    return r;
  }

  testing::FakeClock clock_;
  OutageGatePtr gate_ = std::make_shared<OutageGate>(clock_, 1000ms);
  SwitchablePresence presence_primary_;
  SwitchableIdempotency idempotency_primary_{clock_};
  SwitchableRequestState primary_{presence_primary_, idempotency_primary_};
  int advances_ = 0;
  CacheFencePtr fence_ = std::make_shared<CacheFence>(gate_, [this]() -> domain::Result<void> {
    ++advances_;
    return {};
  });
  FallbackPresenceStore presence_{presence_primary_, gate_, fence_};
  FallbackIdempotencyStore idempotency_{idempotency_primary_, gate_, 1000, 3600s};
  FallbackRequestState state_{primary_, presence_, idempotency_, gate_, fence_};
};

TEST_F(FallbackRequestStateTest, UsesOnlyThePrimaryWhileItIsUp) {
  auto begun = state_.begin("c1", "k1");
  ASSERT_TRUE(begun);
  EXPECT_FALSE(begun->remembered);
  EXPECT_EQ(begun->record.version, 0u);
  ASSERT_TRUE(state_.commit("c1", at_zone(begun->record, "table-1"), "k1", reply("table-1")));
  EXPECT_EQ(primary_.calls, 2);
  EXPECT_EQ(presence_primary_.calls, 0);  // the separate stores were not involved
  EXPECT_EQ(idempotency_primary_.calls, 0);
  EXPECT_EQ(zone_of(presence_primary_.store.load("c1").value()), "table-1");
  EXPECT_EQ(state_.begin("c1", "k1")->remembered->request_fingerprint, "fp-table-1");
  EXPECT_FALSE(gate_->degraded());
}

TEST_F(FallbackRequestStateTest, ALostCompareAndSetIsNotAnOutageAndWritesNothing) {
  auto begun = state_.begin("c1", "k1").value();
  ASSERT_TRUE(presence_.save("c1", at_zone(begun.record, "table-1")));
  auto lost = state_.commit("c1", at_zone(begun.record, "table-2"), "k1", reply("table-2"));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::kAborted);
  EXPECT_FALSE(gate_->degraded());
  EXPECT_FALSE(idempotency_primary_.store.find("c1", "k1").value());
  EXPECT_EQ(zone_of(presence_primary_.store.load("c1").value()), "table-1");
}

TEST_F(FallbackRequestStateTest, ServesFromTheSharedLocalStoresDuringAnOutage) {
  set_redis(Mode::kDown);
  auto begun = state_.begin("c1", "k1");
  ASSERT_TRUE(begun) << begun.error().message;
  EXPECT_TRUE(gate_->degraded());
  EXPECT_NE(begun->record.version & FallbackPresenceStore::kLocalVersionBit, 0u);
  ASSERT_TRUE(state_.commit("c1", at_zone(begun->record, "table-1"), "k1", reply("table-1")));
  EXPECT_EQ(primary_.calls, 1);  // backing off: one failed call per outage period
  EXPECT_EQ(gate_->outages(), 1u);
  // The separate stores (a rebase, a retry) see the same local data.
  EXPECT_EQ(zone_of(presence_.load("c1").value()), "table-1");
  EXPECT_EQ(idempotency_.find("c1", "k1").value()->request_fingerprint, "fp-table-1");
  // Local saves are still compare-and-set.
  auto stale = state_.commit("c1", at_zone(begun->record, "table-2"), "k2", reply("table-2"));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kAborted);
  EXPECT_FALSE(idempotency_.find("c1", "k2").value());
  EXPECT_EQ(presence_primary_.calls, 0);
  EXPECT_EQ(idempotency_primary_.calls, 0);
}

TEST_F(FallbackRequestStateTest, ARecordReadFromRedisIsCommittedLocallyWhenItGoesDown) {
  auto begun = state_.begin("c1", "k1").value();
  set_redis(Mode::kDown);
  ASSERT_TRUE(state_.commit("c1", at_zone(begun.record, "table-1"), "k1", reply("table-1")));
  EXPECT_TRUE(gate_->degraded());
  EXPECT_EQ(zone_of(presence_.load("c1").value()), "table-1");
  EXPECT_EQ(state_.begin("c1", "k1")->remembered->request_fingerprint, "fp-table-1");
}

TEST_F(FallbackRequestStateTest, AReadWithoutWaitingNeverFencesAndTrustsRedisOnlyOnceAFenceHas) {
  domain::PresenceRecord seated = at_zone({}, "table-1");
  seated.confirmed = true;
  ASSERT_TRUE(presence_primary_.store.save("c1", seated));
  // While Redis is away, nothing is read without waiting.
  set_redis(Mode::kDown);
  ASSERT_TRUE(state_.begin("c1", "k0"));
  ASSERT_TRUE(gate_->degraded());
  EXPECT_FALSE(state_.begin_later("c1", "k1", [](auto) { ADD_FAILURE() << "called although refused"; }));
  EXPECT_TRUE(primary_.later.empty());
  // Back (a write finds it), but nobody has fenced the outage off yet.
  set_redis(Mode::kUp);
  clock_.advance(1500ms);
  ASSERT_TRUE(state_.commit("c9", at_zone({}, "table-9"), "k9", reply("table-9")));
  ASSERT_FALSE(gate_->degraded());
  ASSERT_EQ(advances_, 0);
  // The outcome of a read without waiting arrives on a Redis connection's
  // thread, where fencing (a round trip) could wait for that very thread:
  // so it does not fence, and the record is not vouched for.
  std::optional<domain::Result<application::RequestState>> read;
  ASSERT_TRUE(state_.begin_later("c1", "k1", [&](domain::Result<application::RequestState> got) { read = got; }));
  ASSERT_EQ(primary_.later.size(), 1u);
  primary_.later.front()();
  primary_.later.clear();
  ASSERT_TRUE(read && *read) << (read ? read->error().message : "not delivered");
  EXPECT_EQ(advances_, 0) << "fenced on the thread that delivers";
  EXPECT_FALSE((*read)->record.confirmed);
  // A blocking read fences; from then on, reads without waiting trust Redis.
  auto blocking = state_.begin("c1", "k2");
  ASSERT_TRUE(blocking);
  EXPECT_EQ(advances_, 1);
  EXPECT_FALSE(blocking->record.confirmed);  // its read began before the fence
  read.reset();
  ASSERT_TRUE(state_.begin_later("c1", "k3", [&](domain::Result<application::RequestState> got) { read = got; }));
  primary_.later.front()();
  ASSERT_TRUE(read && *read);
  EXPECT_TRUE((*read)->record.confirmed);
  EXPECT_EQ(zone_of((*read)->record), "table-1");
}

TEST_F(FallbackRequestStateTest, AfterRecoveryALocalRecordIsWrittenOverRedisAndOutageAnswersAreKept) {
  ASSERT_TRUE(presence_primary_.store.save("c1", at_zone({}, "table-9")));  // Redis: version 1
  set_redis(Mode::kDown);
  auto local = state_.begin("c1", "k1").value();
  ASSERT_TRUE(state_.commit("c1", at_zone(local.record, "table-1"), "k1", reply("table-1")));
  auto again = state_.begin("c1", "k2").value();  // read locally, committed after recovery

  set_redis(Mode::kUp);
  clock_.advance(1500ms);
  ASSERT_TRUE(state_.commit("c1", at_zone(again.record, "table-2"), "k2", reply("table-2")));
  EXPECT_FALSE(gate_->degraded());
  const auto in_redis = presence_primary_.store.load("c1").value();
  EXPECT_EQ(zone_of(in_redis), "table-2");
  EXPECT_EQ(in_redis.version, 2u);
  EXPECT_EQ(idempotency_primary_.store.find("c1", "k2").value()->request_fingerprint, "fp-table-2");
  // Redis never saw k1; a retry still gets the answer given during the outage.
  auto retry = state_.begin("c1", "k1");
  ASSERT_TRUE(retry);
  ASSERT_TRUE(retry->remembered);
  EXPECT_EQ(retry->remembered->request_fingerprint, "fp-table-1");
  // And a new request reads Redis again.
  auto fresh = state_.begin("c1", "k3").value();
  EXPECT_FALSE(fresh.remembered);
  EXPECT_EQ(fresh.record.version, 2u);
  EXPECT_EQ(zone_of(fresh.record), "table-2");
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
