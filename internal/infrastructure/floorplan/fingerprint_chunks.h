#pragma once

// How a calibration file too large for one request is cut into requests
// (ImportFingerprints chunks, docs/api.md "Calibration"): each chunk's
// samples fit `budget_bytes` as the transport encodes them, and each carries
// the mode that makes the chunks add up to what the whole file means.
//   - replace the store: the first chunk replaces the store's calibration,
//     the others append;
//   - replace the file's zones: samples are grouped by zone (in the order the
//     zones first appear); a zone's first chunk replaces that zone, and its
//     continuation chunks append, holding that zone alone;
//   - append: every chunk appends.

#include <cstddef>
#include <string>
#include <vector>

#include "domain/entities/fingerprint.h"

namespace tastesync::infrastructure {

struct FingerprintChunk {
  std::vector<std::size_t> samples;  // indices into the file's samples, in sending order
  domain::CalibrationMode mode = domain::CalibrationMode::kAppend;
};

// `zones[i]` and `bytes[i]`: sample i's zone and encoded size. A sample larger
// than the budget gets a chunk of its own (the server refuses it by size).
std::vector<FingerprintChunk> plan_fingerprint_chunks(const std::vector<std::string>& zones,
                                                      const std::vector<std::size_t>& bytes, std::size_t budget_bytes,
                                                      domain::CalibrationMode mode);

}  // namespace tastesync::infrastructure
