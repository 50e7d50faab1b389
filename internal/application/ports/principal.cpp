#include "application/ports/principal.h"

namespace tastesync::application {

const char* to_string(Role role) {
  switch (role) {
    case Role::kCustomer: return "customer";
    case Role::kScanner: return "scanner";
    case Role::kStaff: return "staff";
    case Role::kAdmin: return "admin";
    case Role::kService: return "service";
  }
  return "unknown";
}

}  // namespace tastesync::application
