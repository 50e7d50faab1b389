#include "util/hex.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

namespace tastesync::util {
namespace {

TEST(Hex, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string text = hex_encode(all);
  EXPECT_EQ(text.size(), 512u);
  EXPECT_EQ(text.substr(0, 6), "000102");
  EXPECT_EQ(text.substr(506), "fdfeff");
  EXPECT_EQ(hex_decode(text), all);
  const std::array<std::uint8_t, 2> bytes{0xab, 0x01};
  EXPECT_EQ(hex_encode(bytes), "ab01");
}

TEST(Hex, DecodesEitherCaseAndRefusesAnythingElse) {
  EXPECT_EQ(hex_decode("ABcd"), std::string("\xab\xcd"));
  EXPECT_EQ(hex_decode(""), std::string());
  EXPECT_FALSE(hex_decode("abc"));   // odd length
  EXPECT_FALSE(hex_decode("zz"));    // not hex
  EXPECT_FALSE(hex_decode("0x00"));  // no prefix
  EXPECT_FALSE(hex_decode(" 0"));    // no whitespace
  EXPECT_EQ(hex_digit_value('f'), 15);
  EXPECT_EQ(hex_digit_value('G'), -1);
}

}  // namespace
}  // namespace tastesync::util
