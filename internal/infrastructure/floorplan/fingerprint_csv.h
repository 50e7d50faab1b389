#pragma once

// The calibration file staff produce: CSV with a header naming one column
// `zone` (the zone label, e.g. table-3) and one column per beacon, named
// `uuid:major:minor`; each following row is one scan. An empty cell or -200
// means the beacon was not heard; a row that heard no beacon is left out
// (and its line listed). Checked here for everything the file alone
// can get wrong (header, numbers, labels); whether its zones and beacons
// belong to the store is the server's call (ImportFingerprints).

#include <string>
#include <string_view>
#include <vector>

#include "application/use_cases/calibration_requests.h"
#include "domain/error.h"

namespace tastesync::infrastructure {

struct FingerprintCsv {
  std::vector<application::FingerprintSampleRequest> samples;
  std::vector<int> lines;          // the file line of each sample (1-based), for error messages
  std::vector<int> unheard_lines;  // rows that heard no beacon, left out
};

// Errors are kInvalidArgument and name the line and column.
domain::Result<FingerprintCsv> parse_fingerprint_csv(std::string_view text);

}  // namespace tastesync::infrastructure
