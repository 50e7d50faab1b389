#pragma once

#include <string>

#include "application/ports/principal.h"
#include "domain/error.h"

namespace tastesync::application {

// Who may read a store's people and figures: admins any store, staff their
// own only (a waiter's token must not reveal who dines in the competitor's
// restaurant). kPermissionDenied naming `operation` otherwise.
domain::Result<void> require_store_reader(const Principal& caller, const std::string& store_id,
                                          const std::string& operation);

// Who may change a store's calibration in learn mode: admins any store, staff
// their own only. kPermissionDenied naming `operation` otherwise.
domain::Result<void> require_store_staff(const Principal& caller, const std::string& store_id,
                                         const std::string& operation);

// Admins only: kPermissionDenied naming `operation` and the caller's role.
domain::Result<void> require_admin(const Principal& caller, const std::string& operation);

}  // namespace tastesync::application
