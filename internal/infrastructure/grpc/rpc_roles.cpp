#include "infrastructure/grpc/rpc_roles.h"

#include <string>

#include "infrastructure/grpc/rpc_table.h"

namespace tastesync::infrastructure::grpc_adapter {

const std::map<std::string_view, RoleSet>& rpc_roles() {
  static const std::map<std::string_view, RoleSet> table = [] {
    std::map<std::string_view, RoleSet> rows;
    for_each_rpc([&rows](const auto& rpc) { rows.emplace(rpc.method, rpc.roles); });
    return rows;
  }();
  return table;
}

domain::Result<void> authorize(const application::Principal& caller, std::string_view rpc_full_name) {
  const auto& table = rpc_roles();
  const auto row = table.find(rpc_full_name);
  if (row == table.end()) {
    return domain::fail(domain::ErrorCode::kPermissionDenied, std::string(rpc_full_name) + " is not open to any role");
  }
  if (!row->second.contains(caller.role)) {
    return domain::fail(domain::ErrorCode::kPermissionDenied, std::string(rpc_full_name) + " does not accept role '" +
                                                                  application::to_string(caller.role) + "'");
  }
  return {};
}

}  // namespace tastesync::infrastructure::grpc_adapter
