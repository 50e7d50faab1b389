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

}  // namespace tastesync::application
