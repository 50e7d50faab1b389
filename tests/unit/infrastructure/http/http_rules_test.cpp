// The API's HTTP surface as declared: every RPC of the public services carries
// a google.api.http rule in the descriptor set `make proto` builds (what
// Envoy's transcoder loads), the rules are the paths the built-in gateway
// serves, and deploy/envoy/envoy.yaml points the transcoder at that set and
// those services.

#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "google/api/annotations.pb.h"

namespace tastesync {
namespace {

google::protobuf::FileDescriptorSet read_descriptor_set() {
  google::protobuf::FileDescriptorSet set;
  std::ifstream file(CID_DESCRIPTOR_SET, std::ios::binary);
  EXPECT_TRUE(file.good()) << "missing " << CID_DESCRIPTOR_SET << " (make proto)";
  EXPECT_TRUE(set.ParseFromIstream(&file));
  return set;
}

// "POST /v1/identify" per full method name, from the descriptor set.
std::map<std::string, std::string> http_rules() {
  std::map<std::string, std::string> rules;
  const auto set = read_descriptor_set();
  for (const auto& file : set.file()) {
    if (file.package() != "tastesync.customer_id.v1") continue;
    for (const auto& service : file.service()) {
      for (const auto& method : service.method()) {
        const std::string name = file.package() + "." + service.name() + "/" + method.name();
        if (!method.options().HasExtension(google::api::http)) {
          rules[name] = "";
          continue;
        }
        const google::api::HttpRule& rule = method.options().GetExtension(google::api::http);
        switch (rule.pattern_case()) {
          case google::api::HttpRule::kGet: rules[name] = "GET " + rule.get(); break;
          case google::api::HttpRule::kPost: rules[name] = "POST " + rule.post(); break;
          case google::api::HttpRule::kPatch: rules[name] = "PATCH " + rule.patch(); break;
          default: rules[name] = "other";
        }
      }
    }
  }
  return rules;
}

TEST(HttpRulesTest, DescriptorSetHoldsSourceInfoAndImports) {
  const auto set = read_descriptor_set();
  std::set<std::string> files;
  bool has_source_info = false;
  for (const auto& file : set.file()) {
    files.insert(file.name());
    has_source_info = has_source_info || file.has_source_code_info();
  }
  EXPECT_TRUE(files.contains("customer_id.proto"));
  EXPECT_TRUE(files.contains("admin.proto"));
  EXPECT_TRUE(files.contains("google/api/annotations.proto")) << "built with --include_imports";
  EXPECT_TRUE(files.contains("google/protobuf/timestamp.proto"));
  EXPECT_TRUE(has_source_info) << "built with --include_source_info";
}

TEST(HttpRulesTest, EveryRpcCarriesTheRouteTheGatewayServes) {
  const std::map<std::string, std::string> expected = {
      {"tastesync.customer_id.v1.CustomerIdentification/Identify", "POST /v1/identify"},
      {"tastesync.customer_id.v1.Baseline/Noop", "POST /v1/noop"},
      {"tastesync.customer_id.v1.Admin/CreateStore", "POST /v1/stores"},
      {"tastesync.customer_id.v1.Admin/AddZone", "POST /v1/stores/{store_id}/zones"},
      {"tastesync.customer_id.v1.Admin/UpdateZone", "PATCH /v1/stores/{store_id}/zones/{zone_id}"},
      {"tastesync.customer_id.v1.Admin/RegisterBeacon", "POST /v1/beacons"},
      {"tastesync.customer_id.v1.Admin/RetireBeacon", "POST /v1/beacons:retire"},
      {"tastesync.customer_id.v1.Admin/RegisterCustomer", "POST /v1/customers"},
      {"tastesync.customer_id.v1.Admin/IssueTableQr", "POST /v1/stores/{store_id}/zones/{zone_id}/table-qr"},
      {"tastesync.customer_id.v1.Admin/GetStorePresence", "GET /v1/stores/{store_id}/presence"},
      {"tastesync.customer_id.v1.Admin/GetStoreFloor", "GET /v1/stores/{store_id}/floor"},
      {"tastesync.customer_id.v1.Admin/GetStoreAnalytics", "GET /v1/stores/{store_id}/analytics"},
      {"tastesync.customer_id.v1.Admin/ListCustomerVisits", "GET /v1/customers/{customer_id}/visits"},
      {"tastesync.customer_id.v1.Admin/ImportFingerprints", "POST /v1/stores/{store_id}/fingerprints"},
      {"tastesync.customer_id.v1.Admin/RecordCalibration", "POST /v1/stores/{store_id}/zones/{zone_id}/calibration"},
      {"tastesync.customer_id.v1.Admin/GetCalibrationReport", "GET /v1/stores/{store_id}/calibration"},
      {"tastesync.customer_id.v1.StoreScanner/ReportPhoneBeacon", "POST /v1/stores/{store_id}/phone-beacons"},
      {"tastesync.customer_id.v1.StoreScanner/ScanCustomerCode", "POST /v1/stores/{store_id}/entrance-codes:scan"},
      {"tastesync.customer_id.v1.CustomerCredentials/RegisterPhone", "POST /v1/me/phones"},
      {"tastesync.customer_id.v1.CustomerCredentials/IssueEntranceCode", "POST /v1/me/entrance-codes"},
  };
  const auto rules = http_rules();
  for (const auto& [method, rule] : rules) {
    EXPECT_FALSE(rule.empty()) << method << " has no google.api.http rule";
    ASSERT_TRUE(expected.contains(method)) << method << " is new: give it a route here and in the gateway";
    EXPECT_EQ(rule, expected.at(method)) << method;
  }
  EXPECT_EQ(rules.size(), expected.size());
}

TEST(EnvoyConfigTest, IsWellFormedAndTranscodesOurServicesOverTls13) {
  YAML::Node config;
  ASSERT_NO_THROW(config = YAML::LoadFile(std::string(CID_SOURCE_DIR) + "/deploy/envoy/envoy.yaml"));
  const YAML::Node listener = config["static_resources"]["listeners"][0];
  ASSERT_TRUE(listener.IsMap());
  const YAML::Node chain = listener["filter_chains"][0];
  EXPECT_EQ(
      chain["transport_socket"]["typed_config"]["common_tls_context"]["tls_params"]["tls_minimum_protocol_version"]
          .as<std::string>(),
      "TLSv1_3");
  const YAML::Node manager = chain["filters"][0]["typed_config"];
  const YAML::Node filters = manager["http_filters"];
  ASSERT_TRUE(filters.IsSequence());
  YAML::Node transcoder;
  for (const auto& filter : filters) {
    if (filter["name"].as<std::string>() == "envoy.filters.http.grpc_json_transcoder")
      transcoder = filter["typed_config"];
  }
  ASSERT_TRUE(transcoder.IsMap()) << "no grpc_json_transcoder filter";
  EXPECT_EQ(transcoder["proto_descriptor"].as<std::string>(), "/etc/envoy/customer_id.pb");
  std::set<std::string> services;
  for (const auto& service : transcoder["services"]) services.insert(service.as<std::string>());
  EXPECT_EQ(services, (std::set<std::string>{"tastesync.customer_id.v1.CustomerIdentification",
                                             "tastesync.customer_id.v1.Admin", "tastesync.customer_id.v1.StoreScanner",
                                             "tastesync.customer_id.v1.CustomerCredentials"}));
  EXPECT_EQ(filters[filters.size() - 1]["name"].as<std::string>(), "envoy.filters.http.router");

  // Every route goes to the gRPC cluster, which is health-checked with
  // grpc.health.v1 and spoken to over HTTP/2.
  const YAML::Node cluster = config["static_resources"]["clusters"][0];
  EXPECT_EQ(cluster["name"].as<std::string>(), "customer_id_grpc");
  for (const auto& route : manager["route_config"]["virtual_hosts"][0]["routes"]) {
    EXPECT_EQ(route["route"]["cluster"].as<std::string>(), "customer_id_grpc");
    EXPECT_TRUE(route["route"]["timeout"].IsDefined());
  }
  EXPECT_TRUE(cluster["health_checks"][0]["grpc_health_check"].IsDefined());
  EXPECT_TRUE(cluster["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
                     ["explicit_http_config"]["http2_protocol_options"]
                         .IsDefined());
  EXPECT_EQ(cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
                   ["port_value"]
                       .as<int>(),
            50443);
}

}  // namespace
}  // namespace tastesync
