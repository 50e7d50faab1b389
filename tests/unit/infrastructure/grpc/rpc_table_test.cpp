// The RPC table against the protos it stands for: every row's method exists
// with the row's request and response types, its HTTPS route is the one the
// method's google.api.http option declares, and every declared method has a
// row. Both transports read the rows, so a row that drifts from its proto
// would drift both.

#include "infrastructure/grpc/rpc_table.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

const google::protobuf::MethodDescriptor* method_of(std::string_view full_name) {
  // "/package.Service/Method" -> service "package.Service", method "Method".
  const std::string name(full_name.substr(1));
  const auto slash = name.find('/');
  if (slash == std::string::npos) return nullptr;
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name.substr(0, slash));
  return service == nullptr ? nullptr : service->FindMethodByName(name.substr(slash + 1));
}

struct Route {
  std::string verb;
  std::string path;
};

Route declared_route(const google::protobuf::MethodDescriptor& method) {
  const auto& rule = method.options().GetExtension(google::api::http);
  if (!rule.post().empty()) return {"POST", rule.post()};
  if (!rule.get().empty()) return {"GET", rule.get()};
  if (!rule.patch().empty()) return {"PATCH", rule.patch()};
  return {};
}

TEST(RpcTableTest, EveryRowMatchesItsProtoMethodTypesAndRoute) {
  int rows = 0;
  for_each_rpc([&rows](const auto& rpc) {
    ++rows;
    using Row = std::remove_cvref_t<decltype(rpc)>;
    const auto* method = method_of(rpc.method);
    ASSERT_NE(method, nullptr) << rpc.method << " is declared by no proto";
    EXPECT_EQ(method->input_type()->full_name(), Row::RequestMessage::descriptor()->full_name()) << rpc.method;
    EXPECT_EQ(method->output_type()->full_name(), Row::ResponseMessage::descriptor()->full_name()) << rpc.method;
    const Route route = declared_route(*method);
    EXPECT_EQ(route.verb, rpc.http_verb) << rpc.method;
    EXPECT_EQ(route.path, rpc.http_path) << rpc.method;
    EXPECT_NE(rpc.call, nullptr) << rpc.method;
  });
  EXPECT_EQ(rows, 20);
}

TEST(RpcTableTest, EveryDeclaredMethodHasExactlyOneRow) {
  std::multiset<std::string> in_table;
  for_each_rpc([&in_table](const auto& rpc) { in_table.emplace(rpc.method); });
  int declared = 0;
  for (const char* file : {"customer_id.proto", "admin.proto", "store_scanner.proto"}) {
    const auto* descriptor = google::protobuf::DescriptorPool::generated_pool()->FindFileByName(file);
    ASSERT_NE(descriptor, nullptr) << file;
    for (int s = 0; s < descriptor->service_count(); ++s) {
      const auto* service = descriptor->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        ++declared;
        const std::string name = "/" + service->full_name() + "/" + service->method(m)->name();
        EXPECT_EQ(in_table.count(name), 1U) << name;
      }
    }
  }
  EXPECT_EQ(static_cast<std::size_t>(declared), in_table.size());
}

TEST(RpcTableTest, OnlyTheEmptyHandlerSkipsThePoolAndTheRateLimits) {
  for_each_rpc([](const auto& rpc) {
    const bool baseline = rpc.method == rpc::kNoop;
    EXPECT_EQ(rpc.blocks(), !baseline) << rpc.method;
    EXPECT_EQ(rpc.rate_limited(), !baseline) << rpc.method;
    EXPECT_EQ(rpc.bench_only(), baseline) << rpc.method;
  });
}

TEST(RpcTableTest, EveryAdminRpcIsAudited) {
  for_each_rpc([](const auto& rpc) {
    const bool admin = rpc.method.starts_with("/tastesync.customer_id.v1.Admin/");
    EXPECT_EQ(rpc.audited(), admin) << rpc.method;
  });
}

}  // namespace
}  // namespace tastesync::infrastructure::grpc_adapter
