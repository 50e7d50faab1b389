// domain::describe: the one line API clients and file readers are told.

#include "domain/error.h"

#include <gtest/gtest.h>

namespace tastesync::domain {
namespace {

TEST(DescribeError, NamesTheFieldOnce) {
  // A message that does not name its field gets it in front.
  EXPECT_EQ(describe({ErrorCode::kNotFound, "beacon b:1:2 is not registered", "samples[0].readings[1]"}),
            "samples[0].readings[1]: beacon b:1:2 is not registered");
  // A sentence whose subject is the field is shown as it is.
  EXPECT_EQ(describe({ErrorCode::kInvalidArgument, "store_id is required", "store_id"}), "store_id is required");
  // Only the whole field at the start counts: "store" is not "store_id".
  EXPECT_EQ(describe({ErrorCode::kInvalidArgument, "store_idx is odd", "store_id"}), "store_id: store_idx is odd");
  EXPECT_EQ(describe({ErrorCode::kInvalidArgument, "store_id", "store_id"}), "store_id: store_id");
  EXPECT_EQ(describe({ErrorCode::kInternal, "redis is gone", ""}), "redis is gone");
}

}  // namespace
}  // namespace tastesync::domain
