#include "infrastructure/floorplan/fingerprint_csv.h"

#include <gtest/gtest.h>

#include <string>

namespace tastesync::infrastructure {
namespace {

const std::string kB1 = "f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:1";
const std::string kB2 = "F7826DA6-4FA2-4E98-8024-BC5B71E0893E:100:2";

std::string error_of(const std::string& text) {
  auto parsed = parse_fingerprint_csv(text);
  EXPECT_FALSE(parsed.has_value());
  if (parsed) return "";
  EXPECT_EQ(parsed.error().code, domain::ErrorCode::kInvalidArgument);
  return parsed.error().message;
}

TEST(FingerprintCsv, ReadsScansWithMissingBeacons) {
  const std::string text =
      "\r\n" + kB1 + ",zone, " + kB2 + "\r\n-61,table-1,-78\r\n,table-2,-63\r\n\r\n-200,\"table-2\",-64\n";
  auto csv = parse_fingerprint_csv(text);
  ASSERT_TRUE(csv.has_value()) << csv.error().message;
  ASSERT_EQ(csv->samples.size(), 3u);
  EXPECT_EQ(csv->lines, (std::vector<int>{3, 4, 6}));
  EXPECT_EQ(csv->samples[0].zone_id, "table-1");
  ASSERT_EQ(csv->samples[0].readings.size(), 2u);
  EXPECT_EQ(csv->samples[0].readings[0].uuid, "f7826da6-4fa2-4e98-8024-bc5b71e0893e");
  EXPECT_EQ(csv->samples[0].readings[0].minor, 1);
  EXPECT_EQ(csv->samples[0].readings[0].rssi, -61);
  EXPECT_EQ(csv->samples[0].readings[1].uuid, "f7826da6-4fa2-4e98-8024-bc5b71e0893e");  // canonical lower case
  EXPECT_EQ(csv->samples[0].readings[1].minor, 2);
  // Empty and -200 both mean "not heard".
  ASSERT_EQ(csv->samples[1].readings.size(), 1u);
  EXPECT_EQ(csv->samples[1].readings[0].minor, 2);
  EXPECT_EQ(csv->samples[2].zone_id, "table-2");
  ASSERT_EQ(csv->samples[2].readings.size(), 1u);
}

TEST(FingerprintCsv, ScansThatHeardNoBeaconAreLeftOutAndNamed) {
  // A scanning app's export where the phone missed a round: the row tells
  // nothing about its zone, and must not cost the whole file.
  const std::string text =
      "zone," + kB1 + "," + kB2 + "\ntable-1,-61,-78\ntable-1,,\ntable-2,-200,-200\ntable-2,,-63\n";
  auto csv = parse_fingerprint_csv(text);
  ASSERT_TRUE(csv.has_value()) << csv.error().message;
  ASSERT_EQ(csv->samples.size(), 2u);
  EXPECT_EQ(csv->lines, (std::vector<int>{2, 5}));
  EXPECT_EQ(csv->unheard_lines, (std::vector<int>{3, 4}));
  EXPECT_EQ(csv->samples[1].zone_id, "table-2");
  // A file of nothing but such scans has nothing to import.
  EXPECT_NE(error_of("zone," + kB1 + "\ntable-1,\ntable-2,-200\n").find("no scan in the file heard any of its beacons"),
            std::string::npos);
}

TEST(FingerprintCsv, BadFilesAreRejectedWithLineAndColumn) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of(kB1 + "\n-60\n").find("no 'zone' column"), std::string::npos);
  EXPECT_NE(error_of("zone\ntable-1\n").find("no beacon column"), std::string::npos);
  EXPECT_NE(error_of("zone,b3001\ntable-1,-60\n").find("line 1, column 'b3001' is neither 'zone' nor a beacon"),
            std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + ",not-a-uuid:1:2\n").find("column 'not-a-uuid:1:2'"), std::string::npos);
  EXPECT_NE(error_of("zone,f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:70000\n").find("neither"), std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + "," + kB1 + "\n").find("two columns"), std::string::npos);
  EXPECT_NE(error_of("zone,zone," + kB1 + "\n").find("two 'zone' columns"), std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + "\n").find("no scans"), std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + "\ntable-1,-60\ntable-1\n").find("line 3: 1 cells, the header has 2"),
            std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + "\ntable-1,-6x0\n").find("line 2, column '" + kB1 + "': '-6x0' is not a whole"),
            std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + "\ntable-1,-60.5\n").find("not a whole number"), std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + "\ntable-1,-130\n").find("RSSI -130 is outside -127..-1"), std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + "\ntable-1,5\n").find("outside"), std::string::npos);
  EXPECT_NE(error_of("zone," + kB1 + "\n,-60\n").find("line 2, column 'zone': the zone label is empty"),
            std::string::npos);
}

}  // namespace
}  // namespace tastesync::infrastructure
