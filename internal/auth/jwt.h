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
#include "util/key_ring.h"

struct evp_md_st;    // OpenSSL's EVP_MD, kept out of this header
struct evp_pkey_st;  // and its EVP_PKEY

namespace tastesync::auth {

// kid -> RSA public key (SubjectPublicKeyInfo PEM, "-----BEGIN PUBLIC KEY-----"):
// the keys of a util::KeyRing without an active one, as this service only
// verifies tokens (the identity provider signs them).
using JwtKeySet = util::KeyRing<std::string>::Keys;

// Verifies RS256 bearer tokens (signature with OpenSSL against keys parsed
// once, claims against the injected clock) and remembers tokens that verified.
//
// Why parse once: the PEM parse and RSA key setup cost more than the RSA
// verify itself (cpp-jwt, which re-parses on every call, needs ~300 µs; see
// bench/micro/jwt_verify_bench.cpp). Why the cache: a client presents the
// same token on every call until it expires, and even a pre-parsed RS256
// verify is tens of microseconds. A verified token's outcome depends only on the key
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
  static domain::Result<std::unique_ptr<JwtVerifier>> create(const JwtKeySet& keys, std::string issuer,
                                                             std::string audience, std::chrono::seconds clock_skew,
                                                             const application::ClockPort& clock,
                                                             std::size_t cache_capacity = kDefaultCacheCapacity);

  // Does not validate the keys (a bad key just makes verify() fail); prefer
  // create(). `clock` must outlive the verifier. cache_capacity 0 disables
  // the cache.
  JwtVerifier(const JwtKeySet& keys, std::string issuer, std::string audience, std::chrono::seconds clock_skew,
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

  struct PkeyDeleter {
    void operator()(evp_pkey_st* key) const noexcept;
  };
  // kid -> parsed key; read-only after construction, so threads share them.
  // A key that did not parse is null and its tokens fail as "not usable".
  std::map<std::string, std::unique_ptr<evp_pkey_st, PkeyDeleter>, std::less<>> public_keys_;
  std::string issuer_;
  std::string audience_;
  std::chrono::seconds clock_skew_;
  const application::ClockPort& clock_;
  std::size_t shard_capacity_;
  struct EvpMdDeleter {
    void operator()(evp_md_st* md) const noexcept;
  };
  std::unique_ptr<evp_md_st, EvpMdDeleter> sha256_;  // EVP_MD*, fetched once (fetching per call costs ~1 µs)

  bool signature_verifies(evp_pkey_st* key, std::string_view signed_part, const std::string& signature) const;
  mutable std::array<Shard, kShardCount> shards_;
  mutable std::atomic<std::uint64_t> cache_hits_{0};
  mutable std::atomic<std::uint64_t> cache_misses_{0};
};

}  // namespace tastesync::auth
