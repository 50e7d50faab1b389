// The HTTPS/JSON gateway against the real server binary with a real HTTPS
// client (libcurl): the same use cases as gRPC, protobuf's JSON mapping,
// errors as {"code", "message"} with the matching HTTP status, TLS 1.3 only,
// the operations routes and the metrics they move.

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "admin.grpc.pb.h"
#include "integration/https_client.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using application::Role;
using nlohmann::json;

// One report hearing all five demo beacons, `strongest_minor` loudest, as a
// phone app would send it.
std::string identify_body(const std::string& request_id, unsigned strongest_minor) {
  json sightings = json::array();
  for (unsigned minor = 0; minor <= 4; ++minor) {
    sightings.push_back(
        {{"uuid", kDemoUuid}, {"major", kDemoMajor}, {"minor", minor}, {"rssi", minor == strongest_minor ? -50 : -85}});
  }
  return json{{"requestId", request_id}, {"beacons", {{"sightings", sightings}}}}.dump();
}

json parse(const HttpAnswer& answer) {
  json parsed = json::parse(answer.body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << answer.body;
  return parsed;
}

class HttpsGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.http_config = "  max_body_bytes: 4096\n";
    // Bursts of one customer here are far beyond a phone's pace; the limits
    // themselves are tested in the security suite.
    options.extra_config = "rate_limit:\n  customer_per_second: 0\n";
    server_ = new RunningServer(options);
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0);
    delete server_;
  }
  void SetUp() override {
    ASSERT_GT(server_->http_port(), 0);
    client_ = std::make_unique<HttpsClient>(server_->http_port());
  }

  std::string customer() const {
    // Ids are at most 64 characters; the unique suffix takes about 25.
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    return unique_customer("http-" + test.substr(0, 20));
  }

  // Expects `status`, a JSON error with `code` and a message mentioning `needle`.
  static void expect_error(const HttpAnswer& answer, long status, const std::string& code, const std::string& needle) {
    EXPECT_EQ(answer.status, status) << answer.body << answer.error;
    EXPECT_EQ(answer.content_type, "application/json");
    const json body = parse(answer);
    EXPECT_EQ(body.value("code", ""), code) << answer.body;
    EXPECT_NE(body.value("message", "").find(needle), std::string::npos)
        << "message should mention '" << needle << "': " << answer.body;
  }

  static RunningServer* server_;
  std::unique_ptr<HttpsClient> client_;
};

RunningServer* HttpsGatewayTest::server_ = nullptr;

TEST_F(HttpsGatewayTest, IdentifyPlacesTheCustomerAtTheStrongestTable) {
  const std::string who = customer();
  const std::string token = token_for(who);
  json body;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const HttpAnswer answer =
        client_->post("/v1/identify", identify_body(who + "-" + std::to_string(attempt), 3), token);
    ASSERT_EQ(answer.status, 200) << answer.body << answer.error;
    body = parse(answer);
    if (body["location"]["zoneId"] == "table-3") break;
  }
  EXPECT_EQ(body["customerId"], who);
  EXPECT_EQ(body["location"]["storeId"], "demo-bistro");
  EXPECT_EQ(body["location"]["zoneId"], "table-3");
  EXPECT_EQ(body["location"]["zoneKind"], "TABLE");
  EXPECT_TRUE(body.contains("locationChanged")) << "every field is printed, false ones too";
}

TEST_F(HttpsGatewayTest, SignedTableQrPlacesTheCustomerAtItsTable) {
  const json request = {{"requestId", customer()}, {"tableQr", signed_table_qr("demo-bistro", "table-2")}};
  const HttpAnswer answer = client_->post("/v1/identify", request.dump(), token_for(customer()));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(parse(answer)["location"]["zoneId"], "table-2");
}

// Two customers send the same reports, one over gRPC and one over HTTPS/JSON:
// both get the same answer (apart from who they are and the event ids).
TEST_F(HttpsGatewayTest, SameIdentificationOverGrpcAndHttpsGivesTheSameAnswer) {
  auto stub = v1::CustomerIdentification::NewStub(server_->channel());
  const std::string over_grpc = customer() + "-grpc";
  const std::string over_http = customer() + "-http";
  for (unsigned minor : {0U, 0U, 2U, 2U, 2U, 4U, 4U}) {
    static int sent = 0;
    v1::IdentifyRequest request;
    request.set_request_id(over_grpc + "-" + std::to_string(++sent));
    add_demo_report(request, minor);
    v1::IdentifyResponse from_grpc;
    const grpc::Status status = stub->Identify(authorized(token_for(over_grpc)).get(), request, &from_grpc);
    ASSERT_TRUE(status.ok()) << status.error_message();

    request.set_request_id(over_http + "-" + std::to_string(sent));
    std::string body;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(request, &body).ok());
    const HttpAnswer answer = client_->post("/v1/identify", body, token_for(over_http));
    ASSERT_EQ(answer.status, 200) << answer.body;
    v1::IdentifyResponse from_http;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(answer.body, &from_http).ok()) << answer.body;

    EXPECT_EQ(from_grpc.customer_id(), over_grpc);
    EXPECT_EQ(from_http.customer_id(), over_http);
    EXPECT_EQ(from_grpc.event_ids_size(), from_http.event_ids_size());
    from_grpc.clear_customer_id();
    from_http.clear_customer_id();
    from_grpc.clear_event_ids();
    from_http.clear_event_ids();
    // The zone filter's posterior depends on the time between reports, which
    // the server stamps on receipt here (no observed_at): the two customers'
    // requests arrive milliseconds apart, so their confidences differ in the
    // last digits only.
    EXPECT_NEAR(from_grpc.confidence(), from_http.confidence(), 1e-3);
    from_grpc.clear_confidence();
    from_http.clear_confidence();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(from_grpc, from_http))
        << "gRPC: " << from_grpc.ShortDebugString() << "\nHTTPS: " << from_http.ShortDebugString();
  }
}

TEST_F(HttpsGatewayTest, AdminBuildsAStoreAndSeesWhoIsPresent) {
  const std::string admin = token_for("ops", Role::kAdmin);
  const std::string store = unique_customer("http-store");
  EXPECT_EQ(client_->post("/v1/stores", json{{"storeId", store}, {"name", "HTTP Bistro"}}.dump(), admin).status, 200);
  EXPECT_EQ(client_
                ->post("/v1/stores/" + store + "/zones",
                       json{{"zoneId", "table-1"}, {"kind", "TABLE"}, {"label", "Table 1"}}.dump(), admin)
                .status,
            200);
  const HttpAnswer duplicate = client_->post("/v1/stores", json{{"storeId", store}, {"name", "Again"}}.dump(), admin);
  expect_error(duplicate, 409, "ALREADY_EXISTS", store);

  const HttpAnswer qr = client_->post("/v1/stores/" + store + "/zones/table-1/table-qr", "", admin);
  ASSERT_EQ(qr.status, 200) << qr.body;
  EXPECT_TRUE(parse(qr)["payload"].get<std::string>().starts_with("TSQR1.")) << qr.body;
  EXPECT_FALSE(parse(qr)["png"].get<std::string>().empty()) << "the PNG travels base64-encoded";

  // A customer scans that table's QR; the store's presence shows them there.
  const std::string who = customer();
  const json scan = {{"requestId", who}, {"tableQr", parse(qr)["payload"]}};
  ASSERT_EQ(client_->post("/v1/identify", scan.dump(), token_for(who)).status, 200);
  const HttpAnswer presence = client_->get("/v1/stores/" + store + "/presence", admin);
  ASSERT_EQ(presence.status, 200) << presence.body;
  const json customers = parse(presence)["customers"];
  ASSERT_EQ(customers.size(), 1U) << presence.body;
  EXPECT_EQ(customers[0]["customerId"], who);
  EXPECT_EQ(customers[0]["zoneId"], "table-1");

  // Their visits, asked by themselves, with the limit as a query parameter.
  const HttpAnswer visits = client_->get("/v1/customers/" + who + "/visits?limit=5", token_for(who));
  ASSERT_EQ(visits.status, 200) << visits.body;
  ASSERT_EQ(parse(visits)["visits"].size(), 1U) << visits.body;
  EXPECT_EQ(parse(visits)["visits"][0]["storeId"], store);
}

TEST_F(HttpsGatewayTest, AZonesPositionIsKeptAndShownAndABadOneIsRefusedByName) {
  const std::string admin = token_for("ops", Role::kAdmin);
  const std::string store = unique_customer("placed-store");
  ASSERT_EQ(client_->post("/v1/stores", json{{"storeId", store}, {"name", "Placed"}}.dump(), admin).status, 200);
  const json table = {{"zoneId", "table-1"},
                      {"kind", "TABLE"},
                      {"label", "Table 1"},
                      {"layout", {{"x", 0.5}, {"y", 0.5}, {"width", 1.4}, {"height", 1.4}}},
                      {"position", {{"x", 1.2}, {"y", 1.5}}}};
  const HttpAnswer added = client_->post("/v1/stores/" + store + "/zones", table.dump(), admin);
  ASSERT_EQ(added.status, 200) << added.body;
  const json unplaced = {{"zoneId", "table-2"}, {"kind", "TABLE"}, {"label", "Table 2"}};
  ASSERT_EQ(client_->post("/v1/stores/" + store + "/zones", unplaced.dump(), admin).status, 200);

  const auto refused = [&](const json& position, const char* field) {
    json zone = {{"zoneId", "table-9"}, {"kind", "TABLE"}, {"label", "Table 9"}, {"position", position}};
    const HttpAnswer answer = client_->post("/v1/stores/" + store + "/zones", zone.dump(), admin);
    expect_error(answer, 400, "INVALID_ARGUMENT", field);
    return parse(answer).value("field", "");
  };
  EXPECT_EQ(refused({{"x", -1.0}, {"y", 2.0}}, "position.x"), "position.x");
  EXPECT_EQ(refused({{"x", 1.0}, {"y", 1001.0}}, "position.y"), "position.y");
  refused({{"x", 1.0}, {"y", "far"}}, "position");

  // The registry reloads in the background; the floor shows what was kept.
  json zones;
  for (int attempt = 0; attempt < 100 && zones.size() < 2; ++attempt) {
    const HttpAnswer floor = client_->get("/v1/stores/" + store + "/floor", admin);
    ASSERT_EQ(floor.status, 200) << floor.body;
    zones = parse(floor)["zones"];
    if (zones.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(zones.size(), 2U) << zones.dump() << ": table-9 was never added";
  for (const json& zone : zones) {
    if (zone["zoneId"] == "table-1") {
      EXPECT_DOUBLE_EQ(zone["position"]["x"].get<double>(), 1.2) << zone.dump();
      EXPECT_DOUBLE_EQ(zone["position"]["y"].get<double>(), 1.5) << zone.dump();
      EXPECT_DOUBLE_EQ(zone["layout"]["width"].get<double>(), 1.4) << zone.dump();
    } else {
      EXPECT_FALSE(zone.contains("position")) << zone.dump();
    }
  }

  // The zone made without a position gets one, and keeps its label.
  const std::string table_2 = "/v1/stores/" + store + "/zones/table-2";
  const HttpAnswer placed =
      client_->request("PATCH", table_2, json{{"position", {{"x", 3.2}, {"y", 1.5}}}}.dump(), admin);
  ASSERT_EQ(placed.status, 200) << placed.body;
  expect_error(client_->request("PATCH", table_2, json{{"position", {{"x", 3.2}, {"y", -2}}}}.dump(), admin), 400,
               "INVALID_ARGUMENT", "position.y");
  expect_error(client_->request("PATCH", table_2, json::object().dump(), admin), 400, "INVALID_ARGUMENT",
               "nothing to change");
  expect_error(client_->request("PATCH", "/v1/stores/" + store + "/zones/table-7", json{{"label", "7"}}.dump(), admin),
               404, "NOT_FOUND", "zone_id");
  expect_error(
      client_->request("PATCH", table_2, json{{"label", "Two"}}.dump(), token_for("waiter", Role::kStaff, store)), 403,
      "PERMISSION_DENIED", "");
  json placed_zone;
  for (int attempt = 0; attempt < 100 && !placed_zone.contains("position"); ++attempt) {
    const HttpAnswer floor = client_->get("/v1/stores/" + store + "/floor", admin);
    ASSERT_EQ(floor.status, 200) << floor.body;
    const json shown = parse(floor);
    for (const json& zone : shown["zones"]) {
      if (zone["zoneId"] == "table-2") placed_zone = zone;
    }
    if (!placed_zone.contains("position")) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(placed_zone.contains("position")) << placed_zone.dump() << ": the position was never shown";
  EXPECT_DOUBLE_EQ(placed_zone["position"]["x"].get<double>(), 3.2) << placed_zone.dump();
  EXPECT_EQ(placed_zone["label"], "Table 2") << placed_zone.dump();
}

TEST_F(HttpsGatewayTest, AdminRegistersAndRetiresABeaconAndACustomer) {
  const std::string admin = token_for("ops", Role::kAdmin);
  const json beacon = {{"uuid", "0f1e2d3c-4b5a-4978-8877-665544332211"},
                       {"major", 7},
                       {"minor", 9},
                       {"storeId", "demo-bistro"},
                       {"zoneId", "table-1"}};
  EXPECT_EQ(client_->post("/v1/beacons", beacon.dump(), admin).status, 200);
  const json which = {{"uuid", beacon["uuid"]}, {"major", 7}, {"minor", 9}};
  EXPECT_EQ(client_->post("/v1/beacons:retire", which.dump(), admin).status, 200);
  const json person = {{"customerId", unique_customer("http-ada")},
                       {"displayName", "Ada"},
                       {"phone", "+4915112345678"},
                       {"email", "ada@example.com"}};
  const HttpAnswer registered = client_->post("/v1/customers", person.dump(), admin);
  EXPECT_EQ(registered.status, 200) << registered.body;
}

TEST_F(HttpsGatewayTest, RolesAreCheckedLikeOverGrpc) {
  expect_error(client_->post("/v1/stores", json{{"storeId", "nope"}, {"name", "x"}}.dump(), token_for(customer())), 403,
               "PERMISSION_DENIED", "CreateStore does not accept role 'customer'");
  expect_error(client_->post("/v1/identify", identify_body(customer(), 1), token_for("ops", Role::kAdmin)), 403,
               "PERMISSION_DENIED", "customer");
  expect_error(client_->get("/v1/customers/someone-else/visits", token_for(customer())), 403, "PERMISSION_DENIED",
               "ListCustomerVisits");
  expect_error(client_->get("/v1/stores/demo-bistro/presence", token_for("waiter", Role::kStaff, "other-store")), 403,
               "PERMISSION_DENIED", "");
}

TEST_F(HttpsGatewayTest, MissingOrInvalidTokensAreUnauthorized) {
  expect_error(client_->post("/v1/identify", identify_body(customer(), 1)), 401, "UNAUTHENTICATED", "Bearer");
  expect_error(client_->post("/v1/identify", identify_body(customer(), 1), "not-a-jwt"), 401, "UNAUTHENTICATED", "");
  expect_error(client_->post("/v1/identify", identify_body(customer(), 1), expired_token_for(customer())), 401,
               "UNAUTHENTICATED", "");
  expect_error(client_->request("POST", "/v1/identify", identify_body(customer(), 1), "",
                                {"Authorization: Basic b3BzOnNlY3JldA=="}),
               401, "UNAUTHENTICATED", "Bearer");
}

TEST_F(HttpsGatewayTest, InvalidFieldsAreBadRequestsNamingTheField) {
  json request = json::parse(identify_body(customer(), 1));
  request["beacons"]["sightings"][2]["rssi"] = 5;
  const HttpAnswer answer = client_->post("/v1/identify", request.dump(), token_for(customer()));
  expect_error(answer, 400, "INVALID_ARGUMENT", "sightings[2].rssi");
  EXPECT_EQ(parse(answer)["field"], "sightings[2].rssi");

  expect_error(client_->post("/v1/identify", json{{"requestId", ""}}.dump(), token_for(customer())), 400,
               "INVALID_ARGUMENT", "request_id");
  expect_error(client_->get("/v1/customers/" + customer() + "/visits?limit=lots", token_for(customer())), 400,
               "INVALID_ARGUMENT", "limit");
  expect_error(client_->get("/v1/customers/" + customer() + "/visits?colour=red", token_for(customer())), 400,
               "INVALID_ARGUMENT", "colour");
}

TEST_F(HttpsGatewayTest, MalformedJsonAndUnknownFieldsAreBadRequests) {
  const std::string token = token_for(customer());
  expect_error(client_->post("/v1/identify", "{\"requestId\": ", token), 400, "INVALID_ARGUMENT", "JSON");
  expect_error(client_->post("/v1/identify", "[1, 2, 3]", token), 400, "INVALID_ARGUMENT", "JSON");
  expect_error(client_->post("/v1/identify", R"({"requestId": "x", "colour": "red"})", token), 400, "INVALID_ARGUMENT",
               "colour");
  expect_error(client_->post("/v1/identify", R"({"requestId": 12})", token), 400, "INVALID_ARGUMENT", "JSON");
}

// Every 400 names the field it is about, as the field the client sent.
TEST_F(HttpsGatewayTest, ParseErrorsNameTheField) {
  const std::string token = token_for(customer());
  auto field_of = [&](const std::string& body) {
    const HttpAnswer answer = client_->post("/v1/identify", body, token);
    EXPECT_EQ(answer.status, 400) << body << " -> " << answer.body;
    return parse(answer)["field"].get<std::string>();
  };
  EXPECT_EQ(field_of(R"({"requestId": 12})"), "request_id");
  EXPECT_EQ(field_of(R"({"requestId": "x", "colour": "red"})"), "colour");
  EXPECT_EQ(field_of(R"({"requestId": "x", "beacons": {"sightings": [{"major": 1e20}]}})"),
            "beacons.sightings[0].major");
  EXPECT_EQ(field_of(R"({"requestId": "x", "beacons": {"sightings": [{"rssi": "loud"}]}})"),
            "beacons.sightings[0].rssi");
  EXPECT_EQ(field_of(R"({"requestId": "x", "beacons": {"sightings": [{"observedAt": "yesterday"}]}})"),
            "beacons.sightings[0].observed_at");
  // An object where a list belongs is not read as a list of one.
  const HttpAnswer object_for_list =
      client_->post("/v1/identify", R"({"requestId": "x", "beacons": {"sightings": {}}})", token);
  expect_error(object_for_list, 400, "INVALID_ARGUMENT", "must be a list");
  EXPECT_EQ(parse(object_for_list)["field"], "beacons.sightings");
  // Invalid UTF-8 (gRPC answers UNIMPLEMENTED for it, docs/api.md): here a
  // 400 like any other bad input.
  const HttpAnswer bad_utf8 = client_->post("/v1/identify", "{\"requestId\": \"caf\xC3\x28\xFF\"}", token);
  EXPECT_EQ(bad_utf8.status, 400) << bad_utf8.body;
  EXPECT_EQ(parse(bad_utf8)["code"], "INVALID_ARGUMENT") << bad_utf8.body;
}

TEST_F(HttpsGatewayTest, UnknownRoutesAndWrongMethodsAreRefused) {
  expect_error(client_->get("/v1/nothing-here"), 404, "NOT_FOUND", "/v1/nothing-here");
  expect_error(client_->get("/"), 404, "NOT_FOUND", "");
  const HttpAnswer wrong = client_->get("/v1/identify", token_for(customer()));
  expect_error(wrong, 405, "METHOD_NOT_ALLOWED", "POST");
  EXPECT_EQ(wrong.allow, "POST");
  expect_error(client_->request("DELETE", "/v1/stores/demo-bistro/presence"), 405, "METHOD_NOT_ALLOWED", "GET");
}

TEST_F(HttpsGatewayTest, BodiesOverTheLimitAreRefused) {
  const std::string big = R"({"requestId": ")" + std::string(8000, 'x') + R"("})";
  expect_error(client_->request("POST", "/v1/identify", big, token_for(customer()), {"Expect: 100-continue"}), 413,
               "RESOURCE_EXHAUSTED", "4096");
  // The server is still there for the next client.
  HttpsClient next(server_->http_port());
  EXPECT_EQ(next.get("/healthz").status, 200);
}

TEST_F(HttpsGatewayTest, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client_->get("/healthz").status, 200);
}

TEST_F(HttpsGatewayTest, Tls12IsRefusedAndTls13Works) {
  HttpsClient old_client(server_->http_port());
  old_client.limit_to_tls_1_2();
  const HttpAnswer refused = old_client.get("/healthz");
  EXPECT_EQ(refused.status, 0) << "a TLS 1.2 client must not get an answer";
  EXPECT_FALSE(refused.error.empty());
  EXPECT_EQ(client_->get("/healthz").status, 200);
}

TEST_F(HttpsGatewayTest, HealthAndReadinessNeedNoToken) {
  const HttpAnswer alive = client_->get("/healthz");
  EXPECT_EQ(alive.status, 200);
  EXPECT_EQ(parse(alive)["status"], "alive");
  const HttpAnswer ready = client_->get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  const json state = parse(ready);
  EXPECT_EQ(state["ready"], true);
  EXPECT_EQ(state["postgres"], "up");
  EXPECT_EQ(state["redis"], "up");
  EXPECT_EQ(state["kafka"], "up");
  EXPECT_EQ(health_status(*server_), "SERVING") << "gRPC health gives the same answer";
}

// A request whose deadline (a grpc-timeout header, as gRPC clients send) has
// passed before a worker could take it is not run: 504, nothing recorded,
// counted as expired. With time to spare the same request runs.
TEST_F(HttpsGatewayTest, ARequestPastItsDeadlineIsNotRun) {
  const std::string who = customer();
  const std::string token = token_for(who);
  const json request = {{"requestId", who}, {"tableQr", signed_table_qr("demo-bistro", "table-2")}};
  const HttpAnswer before = client_->get("/metrics");

  const HttpAnswer late = client_->request("POST", "/v1/identify", request.dump(), token, {"grpc-timeout: 0m"});
  expect_error(late, 504, "DEADLINE_EXCEEDED", "not run");
  EXPECT_EQ(psql(postgres_url(), "SELECT count(*) FROM outbox WHERE customer_id = '" + who + "'"), "0");

  const HttpAnswer in_time = client_->request("POST", "/v1/identify", request.dump(), token, {"grpc-timeout: 30S"});
  ASSERT_EQ(in_time.status, 200) << in_time.body;
  EXPECT_EQ(parse(in_time)["location"]["zoneId"], "table-2");
  const HttpAnswer after = client_->get("/metrics");
  EXPECT_EQ(metric_value(after.body, "customer_id_requests_shed_total", {R"(reason="deadline_passed")"}) -
                metric_value(before.body, "customer_id_requests_shed_total", {R"(reason="deadline_passed")"}),
            1);
  EXPECT_GE(metric_value(after.body, "customer_id_request_queue_wait_seconds_count", {}) -
                metric_value(before.body, "customer_id_request_queue_wait_seconds_count", {}),
            1);
}

// /metrics before and after a burst: the counters move by the burst's size.
TEST_F(HttpsGatewayTest, MetricsMoveByTheSizeOfABurst) {
  constexpr int kBurst = 25;
  const HttpAnswer before = client_->get("/metrics");
  ASSERT_EQ(before.status, 200);
  EXPECT_TRUE(before.content_type.starts_with("text/plain")) << before.content_type;

  const std::string who = customer();
  // One token for the whole burst (minting per call could cross a second and
  // give a second token, which the cache has not seen).
  const std::string token = token_for(who);
  auto stub = v1::CustomerIdentification::NewStub(server_->channel());
  for (int i = 0; i < kBurst; ++i) {
    ASSERT_EQ(client_->post("/v1/identify", identify_body(who + "-h" + std::to_string(i), 1), token).status, 200);
    v1::IdentifyRequest request;
    request.set_request_id(who + "-g" + std::to_string(i));
    add_demo_report(request, 1);
    v1::IdentifyResponse response;
    ASSERT_TRUE(stub->Identify(authorized(token).get(), request, &response).ok());
  }
  for (int i = 0; i < kBurst; ++i) ASSERT_EQ(client_->get("/v1/nowhere").status, 404);
  const HttpAnswer after = client_->get("/metrics");
  ASSERT_EQ(after.status, 200);

  const auto moved = [&](const std::string& name, const std::vector<std::string>& labels) {
    return metric_value(after.body, name, labels) - metric_value(before.body, name, labels);
  };
  EXPECT_EQ(
      moved("customer_id_requests_total", {R"(transport="http")", R"(method="POST /v1/identify")", R"(code="200")"}),
      kBurst);
  EXPECT_EQ(moved("customer_id_requests_total",
                  {R"(transport="grpc")", R"(method="/tastesync.customer_id.v1.CustomerIdentification/Identify")",
                   R"(code="OK")"}),
            kBurst);
  EXPECT_EQ(
      moved("customer_id_request_duration_seconds_count", {R"(transport="http")", R"(method="POST /v1/identify")"}),
      kBurst);
  EXPECT_EQ(moved("customer_id_requests_total", {R"(transport="http")", R"(method="unmatched")", R"(code="404")"}),
            kBurst);
  EXPECT_EQ(moved("customer_id_identifications_total", {R"(signal="beacons")", R"(outcome="identified")"}), 2 * kBurst);
  EXPECT_GE(metric_value(after.body, "customer_id_transitions_total", {R"(to="table")"}), 1);
  // One token, 2 x kBurst calls: at most one needed the RSA check.
  EXPECT_GE(moved("customer_id_cache_hits_total", {R"(cache="token")"}), 2 * kBurst - 1);
  EXPECT_NE(after.body.find("customer_id_outbox_backlog_rows"), std::string::npos);
}

}  // namespace
}  // namespace tastesync::testing
