#include "infrastructure/redis/redis_last_seen_index.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <span>
#include <string_view>
#include <utility>

#include "infrastructure/redis/key_layout.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

// KEYS[1] the index; ARGV: customer id, the latest score (ms) it may have.
// Scores are integers well below 2^53, so Lua's numbers compare them exactly.
constexpr std::string_view kForgetScript = R"lua(
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
)lua";

// Members moved per round by adopt_unbucketed.
constexpr std::string_view kAdoptBatch = "999";  // ZRANGE 0..999: 1,000 members

std::string millis(domain::Timestamp at) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
}

struct Seen {
  long long at_ms = 0;
  std::string customer;
};

// A ZRANGE ... WITHSCORES reply (member, score, member, score...) appended to `out`.
domain::Result<void> read_scored(const RedisReply& reply, std::string_view key, std::vector<Seen>& out) {
  const auto bad = [key](std::string_view what) {
    return fail(ErrorCode::kInternal, "redis ZRANGE " + std::string(key) + ": " + std::string(what));
  };
  if (reply.is_error()) return std::unexpected(error_from_reply(reply, "ZRANGE " + std::string(key)));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() % 2 != 0) return bad("unexpected reply type");
  for (std::size_t i = 0; i < reply.elements.size(); i += 2) {
    const RedisReply& member = reply.elements[i];
    const RedisReply& score = reply.elements[i + 1];
    if (member.type != RedisReply::Type::kString || score.type != RedisReply::Type::kString) {
      return bad("unexpected member type");
    }
    Seen seen{0, member.str};
    // Scores are whole milliseconds; Redis prints them as integers.
    const auto [end, ec] = std::from_chars(score.str.data(), score.str.data() + score.str.size(), seen.at_ms);
    if (ec != std::errc{} || end != score.str.data() + score.str.size()) return bad("score is not whole milliseconds");
    out.push_back(std::move(seen));
  }
  return {};
}

}  // namespace

RedisLastSeenIndex::RedisLastSeenIndex(RedisClientPtr client) : client_(std::move(client)) {}

domain::Result<void> RedisLastSeenIndex::touch(const std::string& customer_id, domain::Timestamp seen_at) {
  auto reply = client_->command({"ZADD", keys::last_seen_of(customer_id), "GT", millis(seen_at), customer_id});
  if (!reply) return std::unexpected(reply.error());
  return {};
}

domain::Result<std::vector<std::string>> RedisLastSeenIndex::stale(domain::Timestamp older_than, std::size_t limit) {
  std::vector<std::string> customers;
  if (limit == 0) return customers;
  // Every bucket's oldest `limit`, in one pipeline (split per node on a
  // cluster); the oldest `limit` of those are the index's oldest.
  const std::string newest = millis(older_than);
  const std::string count = std::to_string(limit);
  std::vector<std::string> bucket_keys;
  std::vector<std::array<std::string_view, 9>> ranges;
  bucket_keys.reserve(keys::kCustomerBuckets);
  ranges.reserve(keys::kCustomerBuckets);
  for (std::uint32_t bucket = 0; bucket < keys::kCustomerBuckets; ++bucket) {
    bucket_keys.push_back(keys::last_seen(bucket));
    ranges.push_back({"ZRANGE", bucket_keys.back(), "-inf", newest, "BYSCORE", "LIMIT", "0", count, "WITHSCORES"});
  }
  const std::vector<std::span<const std::string_view>> commands(ranges.begin(), ranges.end());
  auto replies = client_->pipeline(commands);
  if (!replies) return std::unexpected(replies.error());
  std::vector<Seen> seen;
  for (std::size_t i = 0; i < replies->size(); ++i) {
    if (auto read = read_scored((*replies)[i], bucket_keys[i], seen); !read) return std::unexpected(read.error());
  }
  std::sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return a.at_ms < b.at_ms; });
  if (seen.size() > limit) seen.resize(limit);
  customers.reserve(seen.size());
  for (Seen& one : seen) customers.push_back(std::move(one.customer));
  return customers;
}

domain::Result<void> RedisLastSeenIndex::forget(const std::string& customer_id, domain::Timestamp seen_at_or_before) {
  // Rare (once per leave), so plain EVAL: no script cache to manage.
  auto reply = client_->command(
      {"EVAL", kForgetScript, "1", keys::last_seen_of(customer_id), customer_id, millis(seen_at_or_before)});
  if (!reply) return std::unexpected(reply.error());
  return {};
}

domain::Result<std::size_t> RedisLastSeenIndex::adopt_unbucketed() {
  std::size_t moved = 0;
  for (;;) {
    auto reply = client_->command({"ZRANGE", keys::kUnbucketedLastSeen, "0", kAdoptBatch, "WITHSCORES"});
    if (!reply) return std::unexpected(reply.error());
    std::vector<Seen> seen;
    if (auto read = read_scored(*reply, keys::kUnbucketedLastSeen, seen); !read) return std::unexpected(read.error());
    if (seen.empty()) return moved;
    // Into the buckets first (GT: a newer sighting already there wins), then
    // out of the old set: a crash in between leaves a member in both, which
    // the next start moves again harmlessly.
    std::vector<std::string> bucket_keys;
    std::vector<std::string> scores;
    bucket_keys.reserve(seen.size());
    scores.reserve(seen.size());
    std::vector<std::array<std::string_view, 5>> adds;
    std::vector<std::array<std::string_view, 3>> removes;
    for (const Seen& one : seen) {
      bucket_keys.push_back(keys::last_seen_of(one.customer));
      scores.push_back(std::to_string(one.at_ms));
      adds.push_back({"ZADD", bucket_keys.back(), "GT", scores.back(), one.customer});
      removes.push_back({"ZREM", keys::kUnbucketedLastSeen, one.customer});
    }
    const std::vector<std::span<const std::string_view>> add_commands(adds.begin(), adds.end());
    const std::vector<std::span<const std::string_view>> remove_commands(removes.begin(), removes.end());
    for (const auto* commands : {&add_commands, &remove_commands}) {
      auto done = client_->pipeline(*commands);
      if (!done) return std::unexpected(done.error());
      for (const RedisReply& one : *done) {
        if (one.is_error()) return std::unexpected(error_from_reply(one, "moving the unbucketed last-seen index"));
      }
    }
    moved += seen.size();
  }
}

}  // namespace tastesync::infrastructure::redis
