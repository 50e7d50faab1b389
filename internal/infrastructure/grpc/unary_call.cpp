#include "infrastructure/grpc/unary_call.h"

namespace tastesync::infrastructure::grpc_adapter {

std::optional<domain::Timestamp> deadline_of(const grpc::CallbackServerContext& context) {
  // "No deadline" is the system clock's maximum.
  if (context.deadline() == std::chrono::system_clock::time_point::max()) return std::nullopt;
  return std::chrono::time_point_cast<domain::Clock::duration>(context.deadline());
}

}  // namespace tastesync::infrastructure::grpc_adapter
