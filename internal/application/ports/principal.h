#pragma once

#include <string>

#include "domain/entities/sighting.h"

namespace tastesync::application {

// Who is calling, as proven by a verified token; never taken from a request
// field.
enum class Role { kCustomer, kScanner, kStaff, kAdmin, kService };

struct Principal {
  std::string subject;  // for kCustomer: the customer id
  Role role = Role::kCustomer;
  std::string store_id;  // for kScanner and kStaff: the store they are bound to
  domain::Timestamp expires_at{};
  // Defaulted so four-member initialisers ({sub, role, store, exp}) stay valid.
  std::string device_id = {};  // the optional `device_id` claim: the phone or scanner the token was issued to
};

const char* to_string(Role role);

}  // namespace tastesync::application
