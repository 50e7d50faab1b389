#pragma once

// Protobuf <-> application types for the calibration RPCs of the Admin
// service (ImportFingerprints, RecordCalibration, GetCalibrationReport).
// Only translation: the checks are the use case's, so gRPC and HTTPS/JSON
// reject the same inputs the same way. A mode the proto does not define is
// refused here, naming the field: it has no application value to carry.

#include "admin.pb.h"
#include "application/use_cases/calibration_requests.h"
#include "domain/error.h"

namespace tastesync::infrastructure::grpc_adapter {

namespace admin_v1 = ::tastesync::customer_id::v1;

domain::Result<application::ImportFingerprintsRequest> from_proto(const admin_v1::ImportFingerprintsRequest& request);
domain::Result<application::RecordCalibrationRequest> from_proto(const admin_v1::RecordCalibrationRequest& request);

void to_proto(const application::CalibrationUpdate& update, admin_v1::ImportFingerprintsResponse& out);
void to_proto(const application::CalibrationUpdate& update, admin_v1::RecordCalibrationResponse& out);
void to_proto(const application::StoreCalibration& calibration, admin_v1::CalibrationReport& out);

}  // namespace tastesync::infrastructure::grpc_adapter
