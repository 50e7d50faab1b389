#pragma once

#include <string>
#include <vector>

#include "domain/entities/sighting.h"

namespace tastesync::domain {

enum class EventType {
  kCustomerIdentified,    // a customer was recognised in a store (start of a visit)
  kCustomerEnteredStore,  // the visit started
  kCustomerSeated,        // sat down at a table
  kCustomerChangedTable,  // moved from one table to another
  kCustomerLeftStore,     // the visit ended
};

// What told us where the customer is.
enum class Signal {
  kBeacon,        // the phone heard store beacons
  kTableQr,       // a scanned table QR code
  kSilence,       // nothing heard for the leave timeout
  kPhoneBeacon,   // a store scanner heard the customer's phone (rotating iBeacon id)
  kCustomerCode,  // a store scanner read the customer's entrance code
};

struct DomainEvent {
  std::string event_id;  // stamped by the use case (time-ordered UUID)
  EventType type = EventType::kCustomerIdentified;
  Timestamp occurred_at{};
  std::string customer_id;
  std::string visit_id;
  std::string store_id;
  std::string zone_id;
  std::string previous_zone_id;  // kCustomerChangedTable only
  double confidence = 0.0;
  Signal signal = Signal::kBeacon;
};

const char* to_string(EventType type);
const char* to_string(Signal signal);

}  // namespace tastesync::domain
