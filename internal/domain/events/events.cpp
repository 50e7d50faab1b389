#include "domain/events/events.h"

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

const char* to_string(Signal signal) {
  switch (signal) {
    case Signal::kBeacon: return "BEACON";
    case Signal::kTableQr: return "TABLE_QR";
    case Signal::kSilence: return "SILENCE";
    case Signal::kPhoneBeacon: return "PHONE_BEACON";
    case Signal::kCustomerCode: return "CUSTOMER_CODE";
  }
  return "BEACON";
}

}  // namespace tastesync::domain
