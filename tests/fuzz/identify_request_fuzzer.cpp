// libFuzzer target: any bytes as the body of an Identify call, through what
// the server does before the use case: protobuf parse, mapping to the
// application's request, validation of request id and sightings, and the
// body fingerprint used for request-id reuse. Nothing may crash; every
// rejection is a kInvalidArgument.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "application/use_cases/identify_request_validation.h"
#include "customer_id.pb.h"
#include "infrastructure/grpc/proto_mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tastesync;
  customer_id::v1::IdentifyRequest proto;
  if (!proto.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto request = infrastructure::grpc_adapter::from_proto(proto);
  if (!request) {
    if (request.error().code != domain::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  const application::IdentifyLimits limits;
  const domain::Timestamp now(std::chrono::seconds(1'735'689'600));
  const auto id = application::validate_request_id(request->request_id, limits);
  if (!id && id.error().code != domain::ErrorCode::kInvalidArgument) std::abort();
  const auto sightings = application::validate_sightings(request->sightings, now, limits);
  if (!sightings && sightings.error().code != domain::ErrorCode::kInvalidArgument) std::abort();
  if (sightings && sightings->size() > limits.max_sightings) std::abort();
  (void)application::fingerprint(*request);
  return 0;
}
