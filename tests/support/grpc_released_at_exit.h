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
  // Not an assertion: a channel that failed to reconnect keeps gRPC until its
  // backoff timer fires (seconds, longer after repeated failures), and no
  // clean-up runs meanwhile, so there is nothing to race; exit goes ahead.
  void TearDown() override { infrastructure::grpc_adapter::wait_for_grpc_released(); }
};

inline ::testing::Environment* const kGrpcReleasedAtExit =
    ::testing::AddGlobalTestEnvironment(new GrpcReleasedAtExit);  // gtest owns it

}  // namespace tastesync::testing
