#include "util/key_ring.h"

#include <gtest/gtest.h>

#include <string>

namespace tastesync::util {
namespace {

TEST(KeyRing, FindsEachKeyByTheIdAPayloadNames) {
  const KeyRing<std::string> ring({{"k1", "first"}, {"k2", "second"}}, "k2");
  ASSERT_NE(ring.find("k1"), nullptr);
  EXPECT_EQ(*ring.find("k1"), "first");
  EXPECT_EQ(*ring.find("k2"), "second");
  EXPECT_EQ(ring.find("k3"), nullptr);
  EXPECT_EQ(ring.find(""), nullptr);
}

TEST(KeyRing, TheActiveKeyIsTheOneItsIdNames) {
  const KeyRing<std::string> ring({{"old", "retired but still opens"}, {"new", "signs"}}, "new");
  EXPECT_EQ(ring.active_id(), "new");
  ASSERT_NE(ring.active(), nullptr);
  EXPECT_EQ(*ring.active(), "signs");
  EXPECT_EQ(ring.keys().size(), 2U);
}

TEST(KeyRing, AnActiveIdMissingFromTheRingHasNoActiveKey) {
  EXPECT_EQ((KeyRing<std::string>({{"k1", "first"}}, "k9").active()), nullptr);
  EXPECT_EQ(KeyRing<std::string>().active(), nullptr);
}

}  // namespace
}  // namespace tastesync::util
