// The JSON gateway is made from the RPC table: every row is a route at its
// verb and path, admits the caller by the row's roles, and ends in the row's
// call; the empty handler only when asked for.

#include "infrastructure/http/json_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "infrastructure/grpc/rpc_table.h"
#include "mocks/fake_tokens.h"
#include "mocks/recording_metrics.h"

namespace tastesync::infrastructure::http {
namespace {

using application::Role;

constexpr Role kAllRoles[] = {Role::kCustomer, Role::kScanner, Role::kStaff, Role::kAdmin, Role::kService};

// "/v1/stores/{store_id}/zones" -> "/v1/stores/p/zones".
std::string concrete(std::string_view pattern) {
  std::string path;
  bool in_parameter = false;
  for (const char c : pattern) {
    if (c == '{') {
      in_parameter = true;
      path += 'p';
    } else if (c == '}') {
      in_parameter = false;
    } else if (!in_parameter) {
      path += c;
    }
  }
  return path;
}

class JsonApiTest : public ::testing::Test {
 protected:
  HttpResponse send(const Router& router, std::string_view verb, const std::string& path,
                    std::optional<std::string> authorization) {
    HttpRequest request;
    request.method = std::string(verb);
    request.path = path;
    request.authorization = std::move(authorization);
    HttpResponse answered;
    router.dispatch(std::move(request), [&answered](HttpResponse response) { answered = std::move(response); });
    return answered;
  }

  testing::RecordingMetrics metrics_;
  testing::FakeTokens tokens_ = testing::FakeTokens::one_per_role(kAllRoles, "bistro");
  // No use cases: a call that gets past the gate answers "not served here".
  JsonApiDependencies deps_{.uses = {}, .gate = {.tokens = tokens_}, .baseline = true};
};

TEST_F(JsonApiTest, EveryRowIsARouteThatAdmitsByTheRowsRolesAndEndsInItsCall) {
  Router router(metrics_);
  add_json_api(router, deps_);
  int rows = 0;
  grpc_adapter::for_each_rpc([&](const auto& rpc) {
    ++rows;
    const std::string path = concrete(rpc.http_path);
    EXPECT_EQ(send(router, rpc.http_verb, path, std::nullopt).status, 401U) << rpc.method;
    for (const Role role : kAllRoles) {
      const HttpResponse answer =
          send(router, rpc.http_verb, path, std::string("Bearer ") + application::to_string(role));
      if (!rpc.roles.contains(role)) {
        EXPECT_EQ(answer.status, 403U) << rpc.method << " as " << application::to_string(role);
      } else if (rpc.method == grpc_adapter::rpc::kNoop) {
        EXPECT_EQ(answer.status, 200U) << answer.body;
      } else {
        // The row's own call ran: it names its RPC as not served without its use case.
        EXPECT_EQ(answer.status, 400U) << rpc.method << ": " << answer.body;
        EXPECT_NE(answer.body.find("is not served here"), std::string::npos) << rpc.method << ": " << answer.body;
        EXPECT_NE(answer.body.find(std::string(rpc.method)), std::string::npos) << answer.body;
      }
    }
  });
  EXPECT_EQ(rows, 20);
}

TEST_F(JsonApiTest, TheEmptyHandlerIsServedOnlyForTheBench) {
  deps_.baseline = false;
  Router router(metrics_);
  add_json_api(router, deps_);
  EXPECT_EQ(send(router, "POST", "/v1/noop", std::string("Bearer customer")).status, 404U);
}

}  // namespace
}  // namespace tastesync::infrastructure::http
