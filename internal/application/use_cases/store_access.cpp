#include "application/use_cases/store_access.h"

namespace tastesync::application {

namespace {

// Admins any store; staff their own only (`what`: what staff may do, and where).
domain::Result<void> require_store_member(const Principal& caller, const std::string& store_id,
                                          const std::string& operation, const char* what) {
  if (caller.role == Role::kAdmin) return {};
  if (caller.role == Role::kStaff && !caller.store_id.empty() && caller.store_id == store_id) return {};
  if (caller.role == Role::kStaff) {
    return domain::fail(domain::ErrorCode::kPermissionDenied,
                        operation + ": staff may " + what + " (the token's store is '" + caller.store_id + "')");
  }
  return domain::fail(domain::ErrorCode::kPermissionDenied,
                      operation + " needs an admin or staff token, not " + to_string(caller.role));
}

}  // namespace

domain::Result<void> require_store_reader(const Principal& caller, const std::string& store_id,
                                          const std::string& operation) {
  return require_store_member(caller, store_id, operation, "read only their own store");
}

domain::Result<void> require_store_staff(const Principal& caller, const std::string& store_id,
                                         const std::string& operation) {
  return require_store_member(caller, store_id, operation, "act only for their own store");
}

domain::Result<void> require_admin(const Principal& caller, const std::string& operation) {
  if (caller.role == Role::kAdmin) return {};
  return domain::fail(domain::ErrorCode::kPermissionDenied,
                      operation + " needs an admin token, not " + to_string(caller.role));
}

}  // namespace tastesync::application
