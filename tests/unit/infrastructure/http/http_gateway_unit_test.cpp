// The HTTPS/JSON gateway's transport-free pieces: the one Error -> HTTP
// mapping, route matching (404 / 405 / path parameters) and its metrics, and
// the metered Identify decorator.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "application/use_cases/metered_identify.h"
#include "infrastructure/http/http_error_mapping.h"
#include "infrastructure/http/router.h"
#include "mocks/recording_metrics.h"

namespace tastesync {
namespace {

using domain::ErrorCode;

TEST(HttpErrorMapping, EveryErrorCodeGetsTheStatusOfItsGrpcCode) {
  const std::vector<std::pair<ErrorCode, unsigned>> expected = {
      {ErrorCode::kInvalidArgument, 400},   {ErrorCode::kNotFound, 404},
      {ErrorCode::kAlreadyExists, 409},     {ErrorCode::kFailedPrecondition, 400},
      {ErrorCode::kUnauthenticated, 401},   {ErrorCode::kPermissionDenied, 403},
      {ErrorCode::kResourceExhausted, 429}, {ErrorCode::kAborted, 409},
      {ErrorCode::kUnavailable, 503},       {ErrorCode::kInternal, 500}};
  for (const auto& [code, status] : expected) EXPECT_EQ(infrastructure::http::to_http_status(code), status);
}

TEST(HttpErrorMapping, BodyCarriesCodeMessageAndField) {
  const auto error =
      infrastructure::http::to_http_error({ErrorCode::kInvalidArgument, "must be negative", "sightings[1].rssi"});
  EXPECT_EQ(error.status, 400u);
  const auto body = nlohmann::json::parse(error.body);
  EXPECT_EQ(body["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(body["message"], "sightings[1].rssi: must be negative");
  EXPECT_EQ(body["field"], "sightings[1].rssi");
  EXPECT_FALSE(nlohmann::json::parse(infrastructure::http::to_http_error({ErrorCode::kNotFound, "no", ""}).body)
                   .contains("field"));
}

// A parser's message may quote the client's bytes; ill-formed UTF-8 there
// once threw while the body was written, on a worker thread, ending the process.
TEST(HttpErrorMapping, QuotedBytesThatAreNotUtf8AreReplacedNotThrownOver) {
  const auto error = infrastructure::http::to_http_error(
      {ErrorCode::kInvalidArgument, "invalid value caf\xC3\x28\xFF for request_id", "request_id"});
  EXPECT_EQ(error.status, 400u);
  const auto body = nlohmann::json::parse(error.body);
  EXPECT_EQ(body["field"], "request_id");
  EXPECT_NE(body["message"].get<std::string>().find("\uFFFD", 0), std::string::npos) << error.body;
}

TEST(HttpRouter, MatchesPathParametersAndAnswersUnknownPathsAndMethods) {
  using namespace infrastructure::http;
  testing::RecordingMetrics metrics;
  Router router(metrics);
  PathParams seen;
  router.add("GET", "/v1/stores/{store_id}/presence", [&](const HttpRequest&, const PathParams& params, Respond reply) {
    seen = params;
    reply(HttpResponse{});
  });
  HttpResponse last;
  const auto send = [&](std::string method, std::string path) {
    HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    router.dispatch(std::move(request), [&](HttpResponse response) { last = std::move(response); });
    return last.status;
  };
  EXPECT_EQ(send("GET", "/v1/stores/caf%C3%A9-1/presence"), 200u);
  EXPECT_EQ(seen.at("store_id"), "caf\xC3\xA9-1");
  EXPECT_EQ(send("POST", "/v1/stores/x/presence"), 405u);
  ASSERT_EQ(last.headers.size(), 1u);
  EXPECT_EQ(last.headers[0], (std::pair<std::string, std::string>{"Allow", "GET"}));
  EXPECT_EQ(send("GET", "/v1/stores//presence"), 404u) << "an empty parameter is no match";
  EXPECT_EQ(send("GET", "/v1/stores/x/presence/extra"), 404u);
  EXPECT_EQ(nlohmann::json::parse(last.body)["code"], "NOT_FOUND");
  EXPECT_EQ(metrics.requests,
            (std::vector<std::string>{"http GET /v1/stores/{store_id}/presence 200", "http unmatched 405",
                                      "http unmatched 404", "http unmatched 404"}));
}

class FixedIdentify final : public application::IdentifyCustomerPort {
 public:
  domain::Result<application::IdentifyResponse> identify(const application::Principal&,
                                                         const application::IdentifyRequest& request) override {
    if (request.request_id.empty()) return domain::fail(ErrorCode::kInvalidArgument, "required", "request_id");
    application::IdentifyResponse response;
    response.location.zone_kind = domain::ZoneKind::kTable;
    response.location_changed = request.request_id == "moves";
    return response;
  }
};

TEST(MeteredIdentify, CountsIdentificationsBySignalAndTransitions) {
  FixedIdentify inner;
  testing::RecordingMetrics metrics;
  application::MeteredIdentifyCustomer metered(inner, metrics);
  application::Principal caller;
  caller.subject = "alice";
  application::IdentifyRequest request;
  request.request_id = "moves";
  ASSERT_TRUE(metered.identify(caller, request).has_value());
  request.request_id = "stays";
  request.table_qr = "TSQR1...";
  ASSERT_TRUE(metered.identify(caller, request).has_value());
  request.request_id = "";
  ASSERT_FALSE(metered.identify(caller, request).has_value());
  EXPECT_EQ(metrics.identifications,
            (std::vector<std::string>{"beacons identified", "table_qr identified", "table_qr INVALID_ARGUMENT"}));
  EXPECT_EQ(metrics.transitions, (std::vector<std::string>{"table"}));
}

}  // namespace
}  // namespace tastesync
