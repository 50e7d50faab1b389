// libFuzzer target: any bytes as a scanned table QR payload. The codec must
// answer with a claim or an error, never crash; and a claim must only come
// from a payload that re-signs to itself (nothing forged verifies).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "infrastructure/crypto/table_qr_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tastesync::infrastructure::HmacTableQrCodec;
  // A fixed test key: the seed corpus holds payloads signed with it, so the
  // fuzzer starts from genuine codes and mutates them.
  static const HmacTableQrCodec codec(
      tastesync::infrastructure::HmacKeyRing({{"qr-fuzz-1", std::string(32, '\x5a')}}, "qr-fuzz-1"));
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const auto claim = codec.verify(payload);
  if (claim) {
    const auto again = codec.sign(claim->store_id, claim->zone_id);
    if (!again || *again != payload) std::abort();
  }
  return 0;
}
