#pragma once

// Checks an IdentifyRequest as the client sent it, before anything is looked
// up. Lives in the application layer so gRPC and HTTPS/JSON reject the same
// inputs with the same messages.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "application/ports/identify_customer_port.h"
#include "domain/entities/sighting.h"
#include "domain/error.h"

namespace tastesync::application {

struct IdentifyLimits {
  std::size_t max_sightings = 64;
  std::size_t max_request_id_length = 128;
  std::size_t max_table_qr_length = 512;
  // Sightings stamped further than this from the server's clock are refused:
  // a stale or future reading would place the customer where they are not.
  std::chrono::seconds max_clock_skew{300};
  // A customer cannot be placed in a store farther from the one they were
  // last seen in than this speed allows in the time between (km/h; stores
  // need a location). 0: not checked.
  double max_travel_speed_kmh = 200;
  // How long a writer may take between announcing a ledger change in the
  // presence cache and finishing it: far longer than a ledger transaction
  // can last (postgres.statement_timeout and the pool's acquire timeout are
  // seconds), so a hold lapses only when its writer is gone.
  std::chrono::seconds ledger_hold{30};
  // How long answers are kept for retries (identify.idempotency_ttl_seconds),
  // in the cache and in the ledger alike.
  std::chrono::seconds answers_kept_for{24 * 3600};
};

domain::Result<void> validate_request_id(const std::string& request_id, const IdentifyLimits& limits);

// Returns the sightings in domain form; missing `observed_at` becomes `now`.
domain::Result<std::vector<domain::Sighting>> validate_sightings(const std::vector<SightingReport>& reports,
                                                                 domain::Timestamp now, const IdentifyLimits& limits);

// A digest of everything in the request body except request_id, to tell a
// retry from a different request reusing the same request_id.
std::string fingerprint(const IdentifyRequest& request);

}  // namespace tastesync::application
