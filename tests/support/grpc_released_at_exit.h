#pragma once

// Included by the test files that open gRPC channels or servers: once every
// test of the binary has run, wait until gRPC has finished its own clean-up
// (infrastructure/grpc/grpc_released.h says why), so a sanitizer's check at
// exit does not race gRPC's clean-up thread. Registered once per binary
// however many files include it.

#include <gtest/gtest.h>

#include "infrastructure/grpc/grpc_released.h"

namespace tastesync::testing {

class GrpcReleasedAtExit final : public ::testing::Environment {
 public:
  void TearDown() override {
    EXPECT_TRUE(infrastructure::grpc_adapter::wait_for_grpc_released())
        << "a gRPC channel or server outlived the tests";
  }
};

inline ::testing::Environment* const kGrpcReleasedAtExit =
    ::testing::AddGlobalTestEnvironment(new GrpcReleasedAtExit);  // gtest owns it

}  // namespace tastesync::testing
