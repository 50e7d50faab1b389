#include "infrastructure/grpc/rpc_call.h"

namespace tastesync::infrastructure::grpc_adapter {

void log_outcome(std::string_view rpc, bool audited, const application::Principal* caller,
                 const domain::Result<void>& result, const CallScope& scope) {
  if (result && !audited) return;
  nlohmann::json fields = {{"rpc", rpc}, {"ms", scope.ms()}};
  if (caller != nullptr) {
    fields["subject"] = caller->subject;
    fields["role"] = application::to_string(caller->role);
  }
  if (result) {
    log::info("rpc.done", fields);
    return;
  }
  fields["status"] = domain::to_string(result.error().code);
  fields["field"] = result.error().field;
  fields["reason"] = result.error().message;
  log::info("rpc.rejected", fields);
}

}  // namespace tastesync::infrastructure::grpc_adapter
