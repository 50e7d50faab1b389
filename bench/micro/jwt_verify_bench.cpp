// What verifying a bearer token costs: a token seen for the first time (RSA
// signature with a key parsed once at start, then the claims), a token
// presented again (the verified-token cache), and, measured first in the same
// run as the baseline, cpp-jwt's jwt::decode with verification, which parses
// the PEM key on every call (the verifier's previous path). The
// `x_faster_than_cpp_jwt` counter is the ratio of the baseline's time per
// token to this benchmark's.

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <jwt/jwt.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "auth/jwt.h"
#include "auth/jwt_signer.h"
#include "infrastructure/system/system_clock.h"

namespace {

using namespace tastesync;
using namespace std::chrono_literals;

constexpr const char* kIssuer = "tastesync-bench";
constexpr const char* kAudience = "tastesync-customer-id";
constexpr std::size_t kDistinctTokens = 512;

struct Keys {
  std::string private_pem;
  std::string public_pem;
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return text;
}

// Generated per run so no key material lives in the tree.
const Keys& keys() {
  static const Keys generated = [] {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    BIO* private_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(private_bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    BIO* public_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(public_bio, key.get());
    return Keys{bio_text(private_bio), bio_text(public_bio)};
  }();
  return generated;
}

const infrastructure::SystemClock& clock() {
  static const infrastructure::SystemClock system_clock;
  return system_clock;
}

const std::vector<std::string>& tokens() {
  static const std::vector<std::string> minted = [] {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < kDistinctTokens; ++i) {
      out.push_back(*auth::mint_token(keys().private_pem, "k1", kIssuer, kAudience, "customer-" + std::to_string(i),
                                      application::Role::kCustomer, "", 3600s, clock().now()));
    }
    return out;
  }();
  return minted;
}

std::unique_ptr<auth::JwtVerifier> make_verifier() {
  return std::move(
      *auth::JwtVerifier::create(auth::JwtKeySet{{"k1", keys().public_pem}}, kIssuer, kAudience, 30s, clock()));
}

double cpp_jwt_seconds_per_token = 0;  // set by the baseline, which runs first

double seconds_per_token(const benchmark::State& state, std::chrono::steady_clock::duration elapsed) {
  return std::chrono::duration<double>(elapsed).count() / static_cast<double>(state.iterations());
}

void report_ratio(benchmark::State& state, std::chrono::steady_clock::duration elapsed) {
  if (cpp_jwt_seconds_per_token > 0) {
    state.counters["x_faster_than_cpp_jwt"] = cpp_jwt_seconds_per_token / seconds_per_token(state, elapsed);
  }
}

void BM_JwtVerify_CppJwtBaseline(benchmark::State& state) {
  const auto& all = tokens();
  const std::string& pem = keys().public_pem;
  std::size_t i = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    std::error_code ec;
    auto decoded = jwt::decode(all[i++ % all.size()], jwt::params::algorithms({"RS256"}), ec, jwt::params::secret(pem),
                               jwt::params::verify(true), jwt::params::issuer(kIssuer), jwt::params::aud(kAudience));
    if (ec) state.SkipWithError(ec.message().c_str());
    benchmark::DoNotOptimize(decoded);
  }
  cpp_jwt_seconds_per_token = seconds_per_token(state, std::chrono::steady_clock::now() - started);
}
BENCHMARK(BM_JwtVerify_CppJwtBaseline);

// A token not seen before: header, RSA signature, claims.
void BM_JwtVerify_NewToken(benchmark::State& state) {
  const auto verifier = make_verifier();
  const auto& all = tokens();
  std::size_t i = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    auto principal = verifier->verify_uncached(all[i++ % all.size()]);
    if (!principal) state.SkipWithError(principal.error().message.c_str());
    benchmark::DoNotOptimize(principal);
  }
  report_ratio(state, std::chrono::steady_clock::now() - started);
}
BENCHMARK(BM_JwtVerify_NewToken);

// The same client presenting its token again: SHA-256 of the token and a
// sharded map lookup.
void BM_JwtVerify_CachedToken(benchmark::State& state) {
  const auto verifier = make_verifier();
  const auto& all = tokens();
  for (const auto& token : all) (void)verifier->verify(token);
  std::size_t i = 0;
  const auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    auto principal = verifier->verify(all[i++ % all.size()]);
    if (!principal) state.SkipWithError(principal.error().message.c_str());
    benchmark::DoNotOptimize(principal);
  }
  report_ratio(state, std::chrono::steady_clock::now() - started);
}
BENCHMARK(BM_JwtVerify_CachedToken);

}  // namespace
