#pragma once

#include <string>
#include <string_view>

#include "domain/entities/sighting.h"
#include "domain/error.h"

namespace tastesync::application {

// A short-lived code the customer's app shows at a store's entrance.
struct IssuedCustomerCode {
  std::string code;
  domain::Timestamp expires_at{};
};

// What a genuine, unexpired customer code says. The nonce makes each code
// unique, so a store scanner can accept it once.
struct CustomerCodeClaim {
  std::string customer_id;
  domain::Timestamp expires_at{};
  std::string nonce;
  std::string key_id;
};

// Issues and verifies the service's signed customer codes. A forged,
// altered, unparseable or expired code, or one signed with a key the service
// no longer holds, is kInvalidArgument on field "code".
class CustomerCodePort {
 public:
  virtual ~CustomerCodePort() = default;
  virtual domain::Result<IssuedCustomerCode> issue(const std::string& customer_id, domain::Timestamp now) const = 0;
  virtual domain::Result<CustomerCodeClaim> verify(std::string_view code, domain::Timestamp now) const = 0;
};

}  // namespace tastesync::application
