#include "infrastructure/crypto/phone_beacon_index.h"

#include <gtest/gtest.h>

#include <string>

#include "infrastructure/crypto/rotating_beacon_id.h"
#include "mocks/in_memory_devices.h"

namespace tastesync::infrastructure {
namespace {

constexpr std::chrono::seconds kPeriod{120};
const domain::Timestamp kStart{std::chrono::seconds(1'750'000'020)};  // inside a window, not on its edge

std::string secret_of(int n) { return std::string(32, static_cast<char>('a' + n)); }

class PhoneBeaconIndexTest : public ::testing::Test {
 protected:
  application::CustomerDevice add_phone(const std::string& customer, int n) {
    devices_.set_next_secret(secret_of(n));
    return *devices_.add(customer);
  }
  // The phone with secret `n` as heard at `at`, advertising the id of `windows_off` windows from then.
  std::vector<application::PhoneBeaconMatch> heard(int n, domain::Timestamp at, int windows_off = 0) {
    const auto id = *rotating_beacon_id(secret_of(n), rotation_counter(at, kPeriod) + windows_off);
    auto matches = index_.resolve(id.major, id.minor, at);
    EXPECT_TRUE(matches) << matches.error().message;
    return matches ? *matches : std::vector<application::PhoneBeaconMatch>{};
  }

  testing::InMemoryDevices devices_;
  PhoneBeaconIndex index_{devices_, kPeriod, std::chrono::hours(1)};
};

TEST_F(PhoneBeaconIndexTest, FindsAPhoneInTheCurrentAndNeighbouringWindowsOnly) {
  add_phone("alice", 1);
  for (int off : {-1, 0, 1}) {
    const auto matches = heard(1, kStart, off);
    ASSERT_EQ(matches.size(), 1U) << "window offset " << off;
    EXPECT_EQ(matches[0].customer_id, "alice");
    EXPECT_EQ(matches[0].counter, rotation_counter(kStart, kPeriod) + off);
  }
  EXPECT_TRUE(heard(1, kStart, 2).empty());
  EXPECT_TRUE(heard(1, kStart, -2).empty());
}

TEST_F(PhoneBeaconIndexTest, LookupsDoNotWaitWhileTheNextWindowIsBuilt) {
  add_phone("alice", 1);
  ASSERT_EQ(heard(1, kStart).size(), 1U);  // cold build
  const int loads = devices_.loads_started();

  // The window turns; the build it starts is held inside its device load.
  devices_.hold_loads();
  const domain::Timestamp next = kStart + kPeriod;
  const auto during = heard(1, next);
  devices_.wait_for_loads_started(loads);        // the background build is under way and held
  const auto still_during = heard(1, next, -1);  // the previous window's id, at the boundary
  devices_.release_loads();
  index_.wait_for_background_build();

  EXPECT_FALSE(devices_.hold_expired()) << "a lookup waited for the build";
  ASSERT_EQ(during.size(), 1U);
  EXPECT_EQ(during[0].customer_id, "alice");
  ASSERT_EQ(still_during.size(), 1U);
  // And the build computed the window after: one more turn is answered too.
  ASSERT_EQ(heard(1, next + kPeriod).size(), 1U);
}

TEST_F(PhoneBeaconIndexTest, AJumpOfSeveralWindowsRebuildsBeforeAnswering) {
  add_phone("alice", 1);
  ASSERT_EQ(heard(1, kStart).size(), 1U);
  const domain::Timestamp later = kStart + kPeriod * 5;
  EXPECT_TRUE(heard(1, later, -5).empty());  // the old id no longer matches
  ASSERT_EQ(heard(1, later).size(), 1U);
}

TEST_F(PhoneBeaconIndexTest, LearnedPhonesAreFoundAtOnceAndOnlyOnceAfterTheNextBuild) {
  add_phone("alice", 1);
  ASSERT_EQ(heard(1, kStart).size(), 1U);
  index_.learn(add_phone("bob", 2));
  ASSERT_EQ(heard(2, kStart).size(), 1U);

  heard(1, kStart + kPeriod);  // starts the next build, which folds bob in
  index_.wait_for_background_build();
  const auto matches = heard(2, kStart + kPeriod);
  ASSERT_EQ(matches.size(), 1U);
  EXPECT_EQ(matches[0].customer_id, "bob");
}

TEST_F(PhoneBeaconIndexTest, PhonesRegisteredElsewhereAreFoundOnAMissAfterASecond) {
  add_phone("alice", 1);
  ASSERT_EQ(heard(1, kStart).size(), 1U);
  add_phone("carol", 3);                  // through another instance: not learned here
  EXPECT_TRUE(heard(3, kStart).empty());  // the snapshot was loaded this very second
  const auto matches = heard(3, kStart + std::chrono::seconds(1));
  ASSERT_EQ(matches.size(), 1U);
  EXPECT_EQ(matches[0].customer_id, "carol");
}

TEST(PhoneBeaconIndexRefreshTest, PhonesRegisteredElsewhereJoinOnThePeriodicRefreshWithoutARebuild) {
  testing::InMemoryDevices devices;
  PhoneBeaconIndex index(devices, kPeriod, std::chrono::seconds(5));
  devices.set_next_secret(secret_of(1));
  ASSERT_TRUE(devices.add("alice"));
  const auto alice = *rotating_beacon_id(secret_of(1), rotation_counter(kStart, kPeriod));
  ASSERT_EQ(index.resolve(alice.major, alice.minor, kStart)->size(), 1U);
  devices.set_next_secret(secret_of(3));
  ASSERT_TRUE(devices.add("carol"));

  // A hit five seconds later starts the periodic refresh in the background.
  const domain::Timestamp later = kStart + std::chrono::seconds(5);
  ASSERT_EQ(index.resolve(alice.major, alice.minor, later)->size(), 1U);
  index.wait_for_background_build();
  const int loads = devices.loads_started();
  const auto carol = *rotating_beacon_id(secret_of(3), rotation_counter(later, kPeriod));
  const auto matches = index.resolve(carol.major, carol.minor, later);
  ASSERT_TRUE(matches);
  ASSERT_EQ(matches->size(), 1U);
  EXPECT_EQ((*matches)[0].customer_id, "carol");
  EXPECT_EQ(devices.loads_started(), loads);  // found without another load
}

TEST_F(PhoneBeaconIndexTest, EveryPhoneResolvesAfterManyBuildsThatEachAddPhones) {
  // More builds with new phones than the index keeps segments: the merge
  // must keep every phone's index right.
  domain::Timestamp now = kStart;
  int phones = 0;
  for (int window = 0; window < 20; ++window) {
    add_phone("customer-" + std::to_string(phones), phones);
    ++phones;
    add_phone("customer-" + std::to_string(phones), phones);
    ++phones;
    heard(0, now);  // may start a build
    index_.wait_for_background_build();
    now += kPeriod;
  }
  index_.wait_for_background_build();
  for (int n = 0; n < phones; ++n) {
    const auto matches = heard(n, now);
    ASSERT_EQ(matches.size(), 1U) << "phone " << n;
    EXPECT_EQ(matches[0].customer_id, "customer-" + std::to_string(n));
  }
}

}  // namespace
}  // namespace tastesync::infrastructure
