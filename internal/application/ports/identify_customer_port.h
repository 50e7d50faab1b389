#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "application/ports/principal.h"
#include "domain/entities/sighting.h"
#include "domain/entities/zone.h"
#include "domain/error.h"

namespace tastesync::application {

// A sighting as the client sent it: wide integer types so that out-of-range
// values reach validation and get a precise error instead of being truncated
// by the transport adapter.
struct SightingReport {
  std::string uuid;
  std::int64_t major = 0;
  std::int64_t minor = 0;
  std::int64_t rssi = 0;
  std::optional<std::int64_t> tx_power;
  std::optional<domain::Timestamp> observed_at;
};

struct IdentifyRequest {
  std::string request_id;
  std::vector<SightingReport> sightings;  // either sightings ...
  std::string table_qr;                   // ... or a scanned table QR payload
  // When the caller stops waiting (its transport's deadline), if it said: a
  // transition is not recorded after it, so a caller told "deadline
  // exceeded" never finds a move it was not told about. Not part of the body.
  std::optional<domain::Timestamp> deadline;
};

struct Location {
  std::string store_id;
  std::string zone_id;
  domain::ZoneKind zone_kind = domain::ZoneKind::kEntrance;
  std::string table_label;  // empty at the entrance
};

struct IdentifyResponse {
  std::string customer_id;
  Location location;
  double confidence = 0.0;
  bool location_changed = false;
  std::vector<std::string> event_ids;
  // Not part of the answer on the wire: this is a retry's copy of the first
  // answer (same request_id), so metrics and logs do not count its
  // transition twice.
  bool replayed = false;
};

// Driving port: what the transports (gRPC, HTTPS/JSON) call.
class IdentifyCustomerPort {
 public:
  virtual ~IdentifyCustomerPort() = default;
  virtual domain::Result<IdentifyResponse> identify(const Principal& caller, const IdentifyRequest& request) = 0;

  // An answer of identify(), or nothing: then identify() must run.
  using LaterAnswer = std::function<void(std::optional<domain::Result<IdentifyResponse>>)>;
  // identify()'s common case without blocking the calling thread (the
  // transport's own): `done` is called exactly once, on this thread or
  // another, with the answer identify() would give, or with nothing, and
  // then the caller runs identify() on a thread that may block. Neither
  // `caller` nor `request` need outlive the call. The default always
  // answers nothing, at once.
  // By value: an overrider keeps `done` until the write's outcome arrives.
  virtual void identify_without_waiting(const Principal& /*caller*/, const IdentifyRequest& /*request*/,
                                        LaterAnswer done) {  // NOLINT(performance-unnecessary-value-param)
    done(std::nullopt);
  }
};

}  // namespace tastesync::application
