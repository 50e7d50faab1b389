#include "infrastructure/grpc/grpc_released.h"

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>

namespace tastesync::infrastructure::grpc_adapter {
namespace {

TEST(GrpcReleased, WaitsWhileAChannelHoldsGrpcAndReturnsOnceItIsGone) {
  {
    // Nothing listens there; the channel connects lazily, so it only holds gRPC.
    const auto channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
    ASSERT_NE(grpc_is_initialized(), 0);
    EXPECT_FALSE(wait_for_grpc_released(std::chrono::milliseconds(20))) << "the channel still holds gRPC";
  }
  EXPECT_TRUE(wait_for_grpc_released());
  EXPECT_EQ(grpc_is_initialized(), 0) << "released means gRPC has finished its clean-up";
}

}  // namespace
}  // namespace tastesync::infrastructure::grpc_adapter
