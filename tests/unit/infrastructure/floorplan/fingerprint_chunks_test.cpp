#include "infrastructure/floorplan/fingerprint_chunks.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace tastesync::infrastructure {
namespace {

using domain::CalibrationMode;

// Replays the chunks against a store the way the server combines them: what
// each zone ends up holding (sample indices), starting from `before`.
std::map<std::string, std::vector<std::size_t>> replay(const std::vector<FingerprintChunk>& chunks,
                                                       const std::vector<std::string>& zones,
                                                       std::map<std::string, std::vector<std::size_t>> before) {
  for (const FingerprintChunk& chunk : chunks) {
    if (chunk.mode == CalibrationMode::kReplaceStore) before.clear();
    if (chunk.mode == CalibrationMode::kReplaceZones) {
      for (const std::size_t s : chunk.samples) before[zones[s]].clear();
    }
    for (const std::size_t s : chunk.samples) before[zones[s]].push_back(s);
  }
  return before;
}

const std::map<std::string, std::vector<std::size_t>> kOld{{"a", {100}}, {"b", {101}}, {"z", {102}}};

TEST(FingerprintChunks, EveryChunkFitsAndTheChunksAddUpToTheFile) {
  const std::vector<std::string> zones{"a", "b", "a", "c", "a", "a", "b", "c", "c", "a"};
  const std::vector<std::size_t> bytes(zones.size(), 10);
  for (const CalibrationMode mode :
       {CalibrationMode::kReplaceStore, CalibrationMode::kReplaceZones, CalibrationMode::kAppend}) {
    for (const std::size_t budget : {10U, 25U, 30U, 1000U}) {
      SCOPED_TRACE(std::to_string(static_cast<int>(mode)) + " budget " + std::to_string(budget));
      const auto chunks = plan_fingerprint_chunks(zones, bytes, budget, mode);
      std::size_t sent = 0;
      for (const FingerprintChunk& chunk : chunks) {
        EXPECT_LE(chunk.samples.size() * 10, budget);
        EXPECT_FALSE(chunk.samples.empty());
        sent += chunk.samples.size();
      }
      EXPECT_EQ(sent, zones.size());
      const auto after = replay(chunks, zones, kOld);
      // Every sample of the file is held by its zone once.
      for (std::size_t i = 0; i < zones.size(); ++i) {
        EXPECT_EQ(std::count(after.at(zones[i]).begin(), after.at(zones[i]).end(), i), 1) << i;
      }
      const std::size_t old_a = std::count(after.at("a").begin(), after.at("a").end(), 100);
      const bool old_z = after.contains("z") && !after.at("z").empty();
      EXPECT_EQ(old_a, mode == CalibrationMode::kAppend ? 1u : 0u);
      EXPECT_EQ(old_z, mode != CalibrationMode::kReplaceStore) << "a zone the file lacks";
    }
  }
}

TEST(FingerprintChunks, ASampleLargerThanTheBudgetTravelsAlone) {
  const auto chunks = plan_fingerprint_chunks({"a", "a", "a"}, {5, 50, 5}, 20, CalibrationMode::kReplaceStore);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].mode, CalibrationMode::kReplaceStore);
  EXPECT_EQ(chunks[1].samples, std::vector<std::size_t>{1});
  EXPECT_EQ(chunks[2].mode, CalibrationMode::kAppend);
  EXPECT_TRUE(plan_fingerprint_chunks({}, {}, 20, CalibrationMode::kAppend).empty());
}

}  // namespace
}  // namespace tastesync::infrastructure
