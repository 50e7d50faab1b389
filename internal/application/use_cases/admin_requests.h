#pragma once

// The admin API's requests and answers as the transports hand them over:
// integers are wide so out-of-range values reach validation and get a precise
// error instead of being truncated by an adapter.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "application/ports/registry_admin_port.h"
#include "domain/entities/sighting.h"
#include "domain/entities/zone.h"

namespace tastesync::application {

struct CreateStoreRequest {
  std::string store_id;
  std::string name;
  // Both or neither; WGS 84 degrees.
  std::optional<double> latitude = std::nullopt;
  std::optional<double> longitude = std::nullopt;
};

struct AddZoneRequest {
  std::string store_id;
  std::string zone_id;
  std::optional<domain::ZoneKind> kind;  // nullopt: the client left it unspecified
  std::string label;
  std::optional<domain::ZoneLayout> layout = std::nullopt;  // where the floor page draws it
  // Where a customer in it is (the zone filter's neighbours and distances).
  std::optional<domain::FloorPosition> position = std::nullopt;
};

// What is given replaces the zone's stored value; nullopt keeps it. The
// request is the change the registry is asked to make.
using UpdateZoneRequest = ZoneChange;

struct RegisterBeaconRequest {
  std::string uuid;
  std::int64_t major = 0;
  std::int64_t minor = 0;
  std::string store_id;
  std::string zone_id;
  std::optional<std::int64_t> tx_power;  // the usual iBeacon -59 dBm when absent
  double calibration_offset_db = 0.0;
};

struct RetireBeaconRequest {
  std::string uuid;
  std::int64_t major = 0;
  std::int64_t minor = 0;
};

struct RegisterCustomerRequest {
  std::string customer_id;
  std::string display_name;
  std::string phone;  // empty: not given
  std::string email;  // empty: not given
};

struct IssueTableQrRequest {
  std::string store_id;
  std::string zone_id;
};

struct TableQrCode {
  std::string payload;
  std::string png;  // file bytes
};

struct GetStorePresenceRequest {
  std::string store_id;
};

struct PresentCustomer {
  std::string customer_id;
  std::string zone_id;
  domain::ZoneKind zone_kind = domain::ZoneKind::kEntrance;
  std::string table_label;  // empty at the entrance
  domain::Timestamp since{};
  domain::Timestamp last_seen{};
};

struct ListCustomerVisitsRequest {
  std::string customer_id;
  std::int64_t limit = 0;
};

}  // namespace tastesync::application
