// libFuzzer target: any bytes as a bearer token. The verifier must answer
// with a principal or an error, never crash, throw, leak or read out of
// bounds; and nothing unsigned by our key may verify.

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "application/ports/clock_port.h"
#include "auth/jwt.h"

namespace {

using namespace tastesync;

class FixedClock final : public application::ClockPort {
 public:
  domain::Timestamp now() const override { return domain::Timestamp(std::chrono::seconds(1'735'689'600)); }
};

std::string public_key_pem() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.get());
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return pem;
}

const auth::JwtVerifier& verifier() {
  static const FixedClock clock;
  static const auto created =
      auth::JwtVerifier::create(auth::JwtKeySet{{"dev-1", public_key_pem()}}, "tastesync-dev", "tastesync-customer-id",
                                std::chrono::seconds(30), clock, /*cache_capacity=*/64);
  if (!created) std::abort();
  return **created;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  // The key was generated in this process and never signed anything: no
  // input can be a valid token.
  if (verifier().verify(token).has_value()) std::abort();
  if (verifier().verify_uncached(token).has_value()) std::abort();
  return 0;
}
