#include "application/use_cases/customer_credentials_use_case.h"

#include <utility>

namespace tastesync::application {
namespace {

domain::Result<void> require_customer(const Principal& caller, const char* what) {
  if (caller.role != Role::kCustomer) {
    return domain::fail(domain::ErrorCode::kPermissionDenied,
                        std::string(what) + " needs the customer's own token, not " + to_string(caller.role));
  }
  if (caller.subject.empty()) {
    return domain::fail(domain::ErrorCode::kUnauthenticated, "the token names no customer (empty subject)");
  }
  return {};
}

}  // namespace

CustomerCredentialsUseCase::CustomerCredentialsUseCase(const CustomerCredentialsDependencies& deps,
                                                       PhoneBeaconSettings settings)
    : deps_(deps), settings_(std::move(settings)) {}

domain::Result<RegisteredPhone> CustomerCredentialsUseCase::register_phone(const Principal& caller) {
  if (auto ok = require_customer(caller, "RegisterPhone"); !ok) return std::unexpected(ok.error());
  auto device = deps_.devices.add(caller.subject);
  if (!device) return std::unexpected(device.error());
  deps_.phones.learn(*device);
  return RegisteredPhone{device->device_id, std::move(device->secret), settings_.advertise_uuid,
                         settings_.rotation_period};
}

domain::Result<IssuedCustomerCode> CustomerCredentialsUseCase::issue_entrance_code(const Principal& caller) {
  if (auto ok = require_customer(caller, "IssueEntranceCode"); !ok) return std::unexpected(ok.error());
  return deps_.codes.issue(caller.subject, deps_.clock.now());
}

}  // namespace tastesync::application
