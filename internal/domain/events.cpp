#include "domain/events.h"

namespace tastesync::domain {

const char* to_string(EventType type) {
  switch (type) {
    case EventType::kCustomerIdentified: return "CustomerIdentified";
    case EventType::kCustomerEnteredStore: return "CustomerEnteredStore";
    case EventType::kCustomerSeated: return "CustomerSeated";
    case EventType::kCustomerChangedTable: return "CustomerChangedTable";
    case EventType::kCustomerLeftStore: return "CustomerLeftStore";
  }
  return "Unknown";
}

const char* to_string(Signal signal) { return signal == Signal::kBeacon ? "BEACON" : "TABLE_QR"; }

}  // namespace tastesync::domain
