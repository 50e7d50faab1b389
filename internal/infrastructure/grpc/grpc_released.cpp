#include "grpc_released.h"

#include <grpc/grpc.h>

#include <thread>

namespace tastesync::infrastructure::grpc_adapter {

bool wait_for_grpc_released(std::chrono::milliseconds bound) {
  // gRPC counts its users; a clean-up thread keeps the count above zero until
  // it has finished, so zero means nothing of gRPC is running or allocated.
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (grpc_is_initialized() != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace tastesync::infrastructure::grpc_adapter
