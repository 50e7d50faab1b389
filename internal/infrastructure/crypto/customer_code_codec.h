#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "application/ports/customer_code_port.h"
#include "domain/error.h"
#include "infrastructure/crypto/hmac_sha256.h"

namespace tastesync::infrastructure {

// Signs and verifies the short-lived codes a customer's app shows at a
// store's entrance (rendered as a QR code by the app):
//
//   TSCC1.<b64url(customer_id)>.<expiry, unix seconds>.<b64url(16-byte nonce)>.<key_id>.<b64url(HMAC-SHA256)>
//
// The MAC covers everything before it. Built like the table QR codec (same
// key rules and rotation by key id); unlike a table QR it names a person,
// so it expires within `lifetime` and carries a random nonce the scanner
// side spends once.
class HmacCustomerCodeCodec final : public application::CustomerCodePort {
 public:
  static constexpr std::string_view kPrefix = "TSCC1";
  static constexpr std::size_t kMaxCodeBytes = 512;
  static constexpr std::size_t kMinSecretBytes = kMinHmacSecretBytes;
  static constexpr std::size_t kNonceBytes = 16;
  static constexpr std::size_t kMaxCustomerIdBytes = 128;
  // Tolerated disagreement between the clocks of issuing and verifying
  // instances, for codes stamped in the future.
  static constexpr std::chrono::seconds kClockSkew{30};

  // Validates the set as HmacTableQrCodec::create does; lifetime 1 s..1 h.
  static domain::Result<std::unique_ptr<HmacCustomerCodeCodec>> create(HmacKeyRing keys, std::chrono::seconds lifetime);

  domain::Result<application::IssuedCustomerCode> issue(const std::string& customer_id,
                                                        domain::Timestamp now) const override;
  // Never throws; any input bytes give a claim or kInvalidArgument on field "code".
  domain::Result<application::CustomerCodeClaim> verify(std::string_view code, domain::Timestamp now) const override;

 private:
  HmacCustomerCodeCodec(HmacKeyRing keys, std::chrono::seconds lifetime);

  HmacKeyRing keys_;
  std::chrono::seconds lifetime_;
};

}  // namespace tastesync::infrastructure
