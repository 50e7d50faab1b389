#include "infrastructure/grpc/calibration_proto_mapping.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

domain::Result<std::optional<domain::CalibrationMode>> mode_of(int mode) {
  switch (mode) {
    case admin_v1::CALIBRATION_MODE_UNSPECIFIED: return std::nullopt;
    case admin_v1::CALIBRATION_REPLACE_STORE: return domain::CalibrationMode::kReplaceStore;
    case admin_v1::CALIBRATION_REPLACE_ZONES: return domain::CalibrationMode::kReplaceZones;
    case admin_v1::CALIBRATION_APPEND: return domain::CalibrationMode::kAppend;
    default:
      return domain::fail(domain::ErrorCode::kInvalidArgument,
                          "mode must be CALIBRATION_REPLACE_STORE, CALIBRATION_REPLACE_ZONES or CALIBRATION_APPEND",
                          "mode");
  }
}

std::vector<application::FingerprintReadingRequest> readings_of(
    const google::protobuf::RepeatedPtrField<admin_v1::FingerprintReading>& readings) {
  std::vector<application::FingerprintReadingRequest> out;
  out.reserve(static_cast<std::size_t>(readings.size()));
  for (const admin_v1::FingerprintReading& r : readings) out.push_back({r.uuid(), r.major(), r.minor(), r.rssi()});
  return out;
}

}  // namespace

domain::Result<application::ImportFingerprintsRequest> from_proto(const admin_v1::ImportFingerprintsRequest& request) {
  auto mode = mode_of(request.mode());
  if (!mode) return std::unexpected(mode.error());
  application::ImportFingerprintsRequest out;
  out.store_id = request.store_id();
  out.mode = *mode;
  out.validate_only = request.validate_only();
  out.samples.reserve(static_cast<std::size_t>(request.samples_size()));
  for (const admin_v1::FingerprintSample& sample : request.samples()) {
    out.samples.push_back({sample.zone_id(), readings_of(sample.readings())});
  }
  return out;
}

domain::Result<application::RecordCalibrationRequest> from_proto(const admin_v1::RecordCalibrationRequest& request) {
  auto mode = mode_of(request.mode());
  if (!mode) return std::unexpected(mode.error());
  application::RecordCalibrationRequest out;
  out.store_id = request.store_id();
  out.zone_id = request.zone_id();
  out.mode = *mode;
  out.validate_only = request.validate_only();
  out.scans.reserve(static_cast<std::size_t>(request.scans_size()));
  for (const admin_v1::CalibrationScan& scan : request.scans()) out.scans.push_back(readings_of(scan.readings()));
  return out;
}

void to_proto(const application::StoreCalibration& calibration, admin_v1::CalibrationReport& out) {
  out.set_store_id(calibration.store_id);
  out.set_samples(static_cast<std::uint32_t>(calibration.samples));
  std::size_t held_out = 0;
  std::size_t right = 0;
  const auto& zones = calibration.report.zones;
  for (std::size_t z = 0; z < zones.size(); ++z) {
    const domain::ZoneCalibrationQuality& quality = zones[z];
    admin_v1::ZoneCalibration* zone = out.add_zones();
    zone->set_zone_id(quality.zone_id);
    if (z < calibration.labels.size()) zone->set_label(calibration.labels[z]);
    zone->set_samples(static_cast<std::uint32_t>(quality.recorded));
    zone->set_placed_right(static_cast<std::uint32_t>(quality.placed_right));
    for (const std::size_t count : quality.placed) zone->add_placed(static_cast<std::uint32_t>(count));
    zone->set_most_confused_with(quality.most_confused_with);
    held_out += quality.samples;
    right += quality.placed_right;
  }
  out.set_placed_right(held_out == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(held_out));
  for (const domain::ConfusablePair& pair : calibration.report.confusable) {
    admin_v1::ConfusableZones* confusable = out.add_confusable();
    confusable->set_zone_a(pair.a);
    confusable->set_zone_b(pair.b);
    confusable->set_share(pair.share);
  }
}

void to_proto(const application::CalibrationUpdate& update, admin_v1::ImportFingerprintsResponse& out) {
  out.set_samples(static_cast<std::uint32_t>(update.samples));
  out.set_zones(static_cast<std::uint32_t>(update.zones));
  if (!update.calibration) return;
  out.set_store_samples(static_cast<std::uint32_t>(update.calibration->samples));
  to_proto(*update.calibration, *out.mutable_report());
}

void to_proto(const application::CalibrationUpdate& update, admin_v1::RecordCalibrationResponse& out) {
  out.set_samples(static_cast<std::uint32_t>(update.samples));
  out.set_zone_samples(static_cast<std::uint32_t>(update.zone_samples));
  if (!update.calibration) return;
  out.set_store_samples(static_cast<std::uint32_t>(update.calibration->samples));
  to_proto(*update.calibration, *out.mutable_report());
}

}  // namespace tastesync::infrastructure::grpc_adapter
