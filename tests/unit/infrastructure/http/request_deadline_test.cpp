// An HTTP request's deadline (request_deadline.h): the gRPC timeout format,
// bounded by the server's request timeout.

#include "infrastructure/http/request_deadline.h"

#include <gtest/gtest.h>

namespace tastesync::infrastructure::http {
namespace {

using namespace std::chrono_literals;

TEST(GrpcTimeout, ReadsEveryUnitOfTheGrpcFormat) {
  EXPECT_EQ(parse_grpc_timeout("2H"), 2h);
  EXPECT_EQ(parse_grpc_timeout("3M"), 3min);
  EXPECT_EQ(parse_grpc_timeout("15S"), 15s);
  EXPECT_EQ(parse_grpc_timeout("250m"), 250ms);
  EXPECT_EQ(parse_grpc_timeout("99999999u"), 99999999us);
  EXPECT_EQ(parse_grpc_timeout("7n"), 7ns);
  EXPECT_EQ(parse_grpc_timeout("0m"), 0ms);
}

TEST(GrpcTimeout, RefusesAnythingElse) {
  for (const char* bad : {"", "m", "250", "250ms", "-5m", "+5m", "5x", "123456789m", " 5m", "5 m", "1.5S"}) {
    EXPECT_FALSE(parse_grpc_timeout(bad)) << '"' << bad << '"';
  }
}

TEST(RequestDeadline, TheShorterOfTheClientsBudgetAndTheServersTimeout) {
  const std::chrono::steady_clock::time_point received{std::chrono::hours(1)};
  EXPECT_EQ(request_deadline(received, std::nullopt, 15s), received + 15s);
  EXPECT_EQ(request_deadline(received, "500m", 15s), received + 500ms);
  EXPECT_EQ(request_deadline(received, "1H", 15s), received + 15s);    // a client cannot ask for more
  EXPECT_EQ(request_deadline(received, "soon", 15s), received + 15s);  // malformed: ignored
}

}  // namespace
}  // namespace tastesync::infrastructure::http
