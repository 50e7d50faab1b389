#pragma once

// Protobuf <-> application types. The domain never sees protobuf.

#include "application/ports/identify_customer_port.h"
#include "customer_id.pb.h"
#include "domain/error.h"

namespace tastesync::infrastructure::grpc_adapter {

namespace v1 = ::tastesync::customer_id::v1;

domain::Result<application::IdentifyRequest> from_proto(const v1::IdentifyRequest& request);
void to_proto(const application::IdentifyResponse& response, v1::IdentifyResponse& out);
// 1970..2100, else kInvalidArgument naming `field`.
domain::Result<domain::Timestamp> timestamp_from_proto(const google::protobuf::Timestamp& at, const std::string& field);

}  // namespace tastesync::infrastructure::grpc_adapter
