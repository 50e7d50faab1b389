#pragma once

// The reference issue 16 measured the unseen data set with (72-79 % there):
// a sticky hidden-Markov filter over the calibrated zones, one Gaussian per
// zone and beacon (mean and variance of the calibration's levels, a beacon
// not heard counted as a level of kUnheardDbm), every zone as likely to move
// to as any other. No entrance, no durations, no tempering, no recordings:
// what a notebook would write first. `make accuracy` scores it beside the
// zone filter on the same answers, so the filter's gain over it can be read
// off data we have.

#include <string>
#include <vector>

#include "domain/entities/beacon.h"
#include "domain/entities/fingerprint.h"

namespace tastesync::bench {

class StickyHmm {
 public:
  // `beacons`: the columns; `calibration`: the scans it learns from.
  StickyHmm(const std::vector<domain::Beacon>& beacons,
            const std::vector<const domain::FingerprintSample*>& calibration);

  // One customer's filter: starts uniform, then one step per report.
  class Customer {
   public:
    explicit Customer(const StickyHmm& model);
    // The most probable zone after this report.
    std::string report(const domain::FingerprintSample& scan);

   private:
    const StickyHmm& model_;
    std::vector<double> log_belief_;
  };

 private:
  std::vector<double> levels_of(const domain::FingerprintSample& scan) const;

  std::vector<domain::BeaconKey> columns_;
  std::vector<std::string> zones_;
  std::vector<double> mean_;      // zones x columns
  std::vector<double> variance_;  // zones x columns
};

}  // namespace tastesync::bench
