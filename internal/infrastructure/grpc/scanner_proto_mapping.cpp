#include "infrastructure/grpc/scanner_proto_mapping.h"

#include <chrono>
#include <cstdint>

#include "infrastructure/grpc/proto_mapping.h"

namespace tastesync::infrastructure::grpc_adapter {

namespace v1 = customer_id::v1;

domain::Result<application::PhoneBeaconReport> from_proto(const v1::ReportPhoneBeaconRequest& request) {
  application::PhoneBeaconReport report;
  report.request_id = request.request_id();
  report.store_id = request.store_id();
  report.major = request.major();
  report.minor = request.minor();
  report.rssi = request.rssi();
  if (request.has_observed_at()) {
    auto at = timestamp_from_proto(request.observed_at(), "observed_at");
    if (!at) return std::unexpected(at.error());
    report.observed_at = *at;
  }
  return report;
}

application::CustomerCodeScan from_proto(const v1::ScanCustomerCodeRequest& request) {
  return application::CustomerCodeScan{request.request_id(), request.store_id(), request.code()};
}

void to_proto(const application::RegisteredPhone& phone, v1::RegisterPhoneResponse& out) {
  out.set_device_id(phone.device_id);
  out.set_secret(phone.secret);
  out.set_advertise_uuid(phone.advertise_uuid);
  out.set_rotation_period_seconds(static_cast<std::uint32_t>(phone.rotation_period.count()));
}

void to_proto(const application::IssuedCustomerCode& code, v1::IssueEntranceCodeResponse& out) {
  out.set_code(code.code);
  const auto since = code.expires_at.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
  out.mutable_expires_at()->set_seconds(seconds.count());
  out.mutable_expires_at()->set_nanos(
      static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since - seconds).count()));
}

}  // namespace tastesync::infrastructure::grpc_adapter
