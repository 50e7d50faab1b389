#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "application/ports/clock_port.h"
#include "application/ports/table_qr_port.h"
#include "domain/error.h"
#include "infrastructure/crypto/hmac_sha256.h"

namespace tastesync::infrastructure {

// When codes signed with a key are accepted (a printed batch's lifetime); an
// absent bound is open.
struct TableQrKeyValidity {
  std::optional<domain::Timestamp> not_before;
  std::optional<domain::Timestamp> not_after;
};

// Signs and verifies the payloads printed as table QR codes:
//
//   TSQR1.<b64url(store_id)>.<b64url(zone_id)>.<key_id>.<b64url(HMAC-SHA256(key, everything before it))>
//
// The key id travels in the clear so keys can rotate: new codes are signed
// with the active key while codes already printed keep verifying as long as
// their key stays in the set. Store and zone are base64url so any id bytes
// survive and the '.' separator stays unambiguous. A payload is small enough
// for a version-3 QR code at medium error correction.
class HmacTableQrCodec final : public application::TableQrVerifierPort, public application::TableQrSignerPort {
 public:
  static constexpr std::string_view kPrefix = "TSQR1";
  static constexpr std::size_t kMaxPayloadBytes = 512;
  static constexpr std::size_t kMinSecretBytes = kMinHmacSecretBytes;
  static constexpr std::size_t kMaxKeyIdChars = 64;

  // Validates the set: key ids are 1..64 of [A-Za-z0-9_-], secrets at least
  // 16 bytes, the active id present. Prefer this at startup.
  static domain::Result<std::unique_ptr<HmacTableQrCodec>> create(HmacKeyRing keys);

  // Does not validate; with an unusable active key sign() fails and a key id
  // that could never appear in a payload is simply never matched.
  explicit HmacTableQrCodec(HmacKeyRing keys);

  // Never throws; any input bytes give a claim or kInvalidArgument on field "table_qr".
  domain::Result<application::TableQrClaim> verify(std::string_view payload) const override;
  domain::Result<std::string> sign(const std::string& store_id, const std::string& zone_id) const override;

  static bool is_valid_key_id(std::string_view key_id);

  // From now on a genuine code whose key is outside its window is
  // kFailedPrecondition (field table_qr), and sign() refuses an active key
  // outside its window. Call before serving; `clock` outlives the codec.
  void limit_validity(std::map<std::string, TableQrKeyValidity, std::less<>> windows,
                      const application::ClockPort& clock);

 private:
  domain::Result<void> check_window(std::string_view key_id) const;

  HmacKeyRing keys_;
  std::map<std::string, TableQrKeyValidity, std::less<>> windows_;
  const application::ClockPort* clock_ = nullptr;
};

}  // namespace tastesync::infrastructure
