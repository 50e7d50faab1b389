#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "application/ports/clock_port.h"
#include "application/ports/principal.h"
#include "application/ports/token_verifier_port.h"
#include "domain/error.h"

struct evp_md_st;  // OpenSSL's EVP_MD, kept out of this header

namespace tastesync::auth {

// kid -> RSA public key (SubjectPublicKeyInfo PEM, "-----BEGIN PUBLIC KEY-----").
using JwtKeySet = std::map<std::string, std::string, std::less<>>;

// Verifies RS256 bearer tokens (signature via cpp-jwt, claims against the
// injected clock) and remembers tokens that verified.
//
// Why the cache: cpp-jwt re-parses the PEM key on every verification
// (~300 µs with OpenSSL 3), while a client presents the same token on every
// call until it expires. A verified token's outcome depends only on the key
// set (fixed for the verifier's lifetime) and on time (only `exp` matters
// once it has passed the other checks), so the principal can be reused until
// exp + skew. Keys are SHA-256 digests of the token so a forged token cannot
// collide with a cached one and the cache holds 32 bytes per token, not ~700.
// Failures are not cached: the cheap ones (format, alg, kid) fail before any
// RSA work, and caching bad signatures would let garbage evict good entries.
class JwtVerifier final : public application::TokenVerifierPort {
 public:
  static constexpr std::size_t kDefaultCacheCapacity = 100'000;
  // Longer tokens are rejected before hashing or parsing.
  static constexpr std::size_t kMaxTokenBytes = 8 * 1024;
  static constexpr std::size_t kMaxSubjectChars = 128;

  // Checks that every key parses as an RSA public key of at least 2048 bits
  // and that issuer/audience are set; use this at startup so a bad key file
  // fails there rather than on the first request.
  static domain::Result<std::unique_ptr<JwtVerifier>> create(JwtKeySet keys, std::string issuer, std::string audience,
                                                             std::chrono::seconds clock_skew,
                                                             const application::ClockPort& clock,
                                                             std::size_t cache_capacity = kDefaultCacheCapacity);

  // Does not validate the keys (a bad key just makes verify() fail); prefer
  // create(). `clock` must outlive the verifier. cache_capacity 0 disables
  // the cache.
  JwtVerifier(JwtKeySet keys, std::string issuer, std::string audience, std::chrono::seconds clock_skew,
              const application::ClockPort& clock, std::size_t cache_capacity = kDefaultCacheCapacity);
  ~JwtVerifier() override;
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // Thread-safe. Accepts the token with or without a "Bearer " prefix.
  domain::Result<application::Principal> verify(std::string_view bearer_token) const override;

  // Verification without the cache, e.g. for measuring.
  domain::Result<application::Principal> verify_uncached(std::string_view token) const;

  std::size_t cache_size() const;
  // Tokens answered from the cache, and tokens that needed the RSA check
  // (for the metrics' cache hit rate).
  std::uint64_t cache_hits() const { return cache_hits_.load(std::memory_order_relaxed); }
  std::uint64_t cache_misses() const { return cache_misses_.load(std::memory_order_relaxed); }

 private:
  using Digest = std::array<std::uint8_t, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest& digest) const noexcept;
  };
  struct CacheEntry {
    application::Principal principal;
    domain::Timestamp valid_until;  // exp + skew: the moment a fresh verify would start failing
  };
  // Cache-line aligned so threads on different shards do not share lines.
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::unordered_map<Digest, CacheEntry, DigestHash> entries;
  };
  // 16 shards keep lock contention negligible on the core counts we run on
  // while each shard's eviction sweep stays small.
  static constexpr std::size_t kShardCount = 16;

  bool digest_of(std::string_view token, Digest& out) const;
  Shard& shard_for(const Digest& digest) const;
  void remember(const Digest& digest, const application::Principal& principal) const;

  JwtKeySet keys_;
  std::string issuer_;
  std::string audience_;
  std::chrono::seconds clock_skew_;
  const application::ClockPort& clock_;
  std::size_t shard_capacity_;
  struct EvpMdDeleter {
    void operator()(evp_md_st* md) const noexcept;
  };
  std::unique_ptr<evp_md_st, EvpMdDeleter> sha256_;  // EVP_MD*, fetched once (fetching per call costs ~1 µs)
  mutable std::array<Shard, kShardCount> shards_;
  mutable std::atomic<std::uint64_t> cache_hits_{0};
  mutable std::atomic<std::uint64_t> cache_misses_{0};
};

}  // namespace tastesync::auth
