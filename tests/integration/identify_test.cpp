// Identify against the real server binary: real TLS, real RS256 tokens, the
// demo floor plan. Each bad input a client can send has a test here and gets
// a precise status with a message.

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using application::Role;

class IdentifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RunningServer(); }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0) << "the server should exit cleanly on SIGTERM";
    delete server_;
  }
  void SetUp() override {
    ASSERT_GT(server_->port(), 0);
    stub_ = v1::CustomerIdentification::NewStub(server_->channel());
  }

  // A unique customer per test keeps tests independent on one server.
  std::string customer() const {
    return std::string("it-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  grpc::Status identify(const v1::IdentifyRequest& request, v1::IdentifyResponse& response, const std::string& token) {
    return stub_->Identify(authorized(token).get(), request, &response);
  }
  grpc::Status identify(const v1::IdentifyRequest& request, v1::IdentifyResponse& response) {
    return identify(request, response, token_for(customer()));
  }

  // Expects `code` and a message mentioning `needle`.
  void expect_rejected(const v1::IdentifyRequest& request, grpc::StatusCode code, const std::string& needle,
                       const std::string& token = "") {
    v1::IdentifyResponse response;
    const grpc::Status status = identify(request, response, token.empty() ? token_for(customer()) : token);
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_NE(status.error_message().find(needle), std::string::npos)
        << "message '" << status.error_message() << "' should mention '" << needle << "'";
  }

  static v1::IdentifyRequest sightings_request(const std::string& request_id, unsigned strongest_minor) {
    v1::IdentifyRequest request;
    request.set_request_id(request_id);
    add_demo_report(request, strongest_minor, -52, -80);
    return request;
  }

  static RunningServer* server_;
  std::unique_ptr<v1::CustomerIdentification::Stub> stub_;
};

RunningServer* IdentifyTest::server_ = nullptr;

TEST_F(IdentifyTest, StrongestTableThreeBeaconPlacesTheCustomerAtTableThree) {
  v1::IdentifyResponse response;
  const grpc::Status status = identify(sightings_request("r1", 3), response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.customer_id(), customer());
  EXPECT_EQ(response.location().store_id(), "demo-bistro");
  EXPECT_EQ(response.location().zone_id(), "table-3");
  EXPECT_EQ(response.location().zone_kind(), v1::TABLE);
  EXPECT_EQ(response.location().table_label(), "Table 3");
  EXPECT_TRUE(response.location_changed());
  // CustomerIdentified, CustomerEnteredStore, CustomerSeated.
  EXPECT_EQ(response.event_ids_size(), 3);
  EXPECT_GT(response.confidence(), 0.5);
  EXPECT_LE(response.confidence(), 1.0);
}

TEST_F(IdentifyTest, StrongestEntranceBeaconPlacesTheCustomerAtTheEntrance) {
  v1::IdentifyResponse response;
  const grpc::Status status = identify(sightings_request("r1", 0), response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.location().zone_id(), "entrance");
  EXPECT_EQ(response.location().zone_kind(), v1::ENTRANCE);
  EXPECT_EQ(response.location().table_label(), "");
  EXPECT_EQ(response.event_ids_size(), 2);  // identified, entered
}

TEST_F(IdentifyTest, SignedTableQrPlacesTheCustomerAtItsTable) {
  v1::IdentifyRequest request;
  request.set_request_id("qr-1");
  request.set_table_qr(signed_table_qr("demo-bistro", "table-2"));
  v1::IdentifyResponse response;
  const grpc::Status status = identify(request, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.location().zone_id(), "table-2");
  EXPECT_DOUBLE_EQ(response.confidence(), 1.0);
}

TEST_F(IdentifyTest, ASecondSightingAtTheSameTableChangesNothing) {
  v1::IdentifyResponse first;
  ASSERT_TRUE(identify(sightings_request("r1", 3), first).ok());
  v1::IdentifyResponse second;
  ASSERT_TRUE(identify(sightings_request("r2", 3), second).ok());
  EXPECT_EQ(second.location().zone_id(), "table-3");
  EXPECT_FALSE(second.location_changed());
  EXPECT_EQ(second.event_ids_size(), 0);
}

TEST_F(IdentifyTest, RetryWithTheSameRequestIdReturnsTheFirstAnswer) {
  v1::IdentifyResponse first;
  ASSERT_TRUE(identify(sightings_request("same", 3), first).ok());
  v1::IdentifyResponse retry;
  ASSERT_TRUE(identify(sightings_request("same", 3), retry).ok());
  EXPECT_EQ(retry.SerializeAsString(), first.SerializeAsString());
  ASSERT_EQ(retry.event_ids_size(), 3);
  EXPECT_EQ(retry.event_ids(0), first.event_ids(0));
}

TEST_F(IdentifyTest, RequestIdReusedWithADifferentBodyIsRejected) {
  v1::IdentifyResponse first;
  ASSERT_TRUE(identify(sightings_request("reused", 3), first).ok());
  expect_rejected(sightings_request("reused", 1), grpc::StatusCode::INVALID_ARGUMENT, "already used");
}

TEST_F(IdentifyTest, MissingRequestIdIsRejected) {
  expect_rejected(sightings_request("", 3), grpc::StatusCode::INVALID_ARGUMENT, "request_id");
}

TEST_F(IdentifyTest, MalformedUuidIsRejectedNamingTheField) {
  v1::IdentifyRequest request;
  request.set_request_id("r");
  add_sighting(request, 3, -50, kDemoMajor, "not-a-uuid");
  expect_rejected(request, grpc::StatusCode::INVALID_ARGUMENT, "sightings[0].uuid");
}

TEST_F(IdentifyTest, MajorAndMinorOutsideSixteenBitsAreRejected) {
  v1::IdentifyRequest major;
  major.set_request_id("r");
  add_sighting(major, 3, -50, 65536);
  expect_rejected(major, grpc::StatusCode::INVALID_ARGUMENT, "major");
  v1::IdentifyRequest minor;
  minor.set_request_id("r2");
  add_sighting(minor, 70000, -50);
  expect_rejected(minor, grpc::StatusCode::INVALID_ARGUMENT, "minor");
}

TEST_F(IdentifyTest, RssiOutsideTheBleRangeIsRejected) {
  for (const int rssi : {0, 5, -128, -1000}) {
    v1::IdentifyRequest request;
    request.set_request_id("rssi" + std::to_string(rssi));
    add_sighting(request, 3, rssi);
    expect_rejected(request, grpc::StatusCode::INVALID_ARGUMENT, "rssi");
  }
}

TEST_F(IdentifyTest, NoSightingsIsRejected) {
  v1::IdentifyRequest neither;
  neither.set_request_id("r");
  expect_rejected(neither, grpc::StatusCode::INVALID_ARGUMENT, "sightings");
  v1::IdentifyRequest empty_list;
  empty_list.set_request_id("r2");
  empty_list.mutable_beacons();
  expect_rejected(empty_list, grpc::StatusCode::INVALID_ARGUMENT, "sightings");
}

TEST_F(IdentifyTest, MoreThanSixtyFourSightingsAreRejected) {
  v1::IdentifyRequest request;
  request.set_request_id("r");
  for (int i = 0; i < 65; ++i) add_sighting(request, 3, -60);
  expect_rejected(request, grpc::StatusCode::INVALID_ARGUMENT, "at most 64");
}

TEST_F(IdentifyTest, SightingsStampedMinutesAwayFromNowAreRejected) {
  for (const int offset : {-600, 600}) {
    v1::IdentifyRequest request;
    request.set_request_id("skew" + std::to_string(offset));
    add_sighting(request, 3, -50);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    request.mutable_beacons()->mutable_sightings(0)->mutable_observed_at()->set_seconds(
        std::chrono::duration_cast<std::chrono::seconds>(now).count() + offset);
    expect_rejected(request, grpc::StatusCode::INVALID_ARGUMENT, "observed_at");
  }
  v1::IdentifyRequest absurd;
  absurd.set_request_id("absurd");
  add_sighting(absurd, 3, -50);
  absurd.mutable_beacons()->mutable_sightings(0)->mutable_observed_at()->set_seconds(-5);
  expect_rejected(absurd, grpc::StatusCode::INVALID_ARGUMENT, "observed_at");
}

TEST_F(IdentifyTest, OnlyUnknownBeaconsIsNotFound) {
  v1::IdentifyRequest request;
  request.set_request_id("r");
  add_sighting(request, 3, -50, 999);
  add_sighting(request, 1, -50, kDemoMajor, "00000000-0000-0000-0000-000000000001");
  expect_rejected(request, grpc::StatusCode::NOT_FOUND, "registered");
}

TEST_F(IdentifyTest, ForgedOrAlteredTableQrIsRejected) {
  v1::IdentifyRequest forged;
  forged.set_request_id("forged");
  forged.set_table_qr("TSQR1.ZGVtby1iaXN0cm8.dGFibGUtMw.qr-dev-1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  expect_rejected(forged, grpc::StatusCode::INVALID_ARGUMENT, "table_qr");

  // Re-pointing a genuine code at another table breaks its signature.
  std::string genuine = signed_table_qr("demo-bistro", "table-1");
  const std::string table1 = "dGFibGUtMQ";  // base64url("table-1")
  const std::string table4 = "dGFibGUtNA";  // base64url("table-4")
  const auto at = genuine.find(table1);
  ASSERT_NE(at, std::string::npos);
  genuine.replace(at, table1.size(), table4);
  v1::IdentifyRequest altered;
  altered.set_request_id("altered");
  altered.set_table_qr(genuine);
  expect_rejected(altered, grpc::StatusCode::INVALID_ARGUMENT, "table_qr");

  v1::IdentifyRequest garbage;
  garbage.set_request_id("garbage");
  garbage.set_table_qr("TSQR1.!!.??.qr-dev-1.not-a-signature");
  expect_rejected(garbage, grpc::StatusCode::INVALID_ARGUMENT, "table_qr");
}

TEST_F(IdentifyTest, GenuineQrForAnUnknownTableIsNotFound) {
  v1::IdentifyRequest request;
  request.set_request_id("r");
  request.set_table_qr(signed_table_qr("demo-bistro", "table-99"));
  expect_rejected(request, grpc::StatusCode::NOT_FOUND, "table-99");
}

TEST_F(IdentifyTest, MissingExpiredOrBadlySignedTokensAreUnauthenticated) {
  const auto request = sightings_request("r", 3);
  v1::IdentifyResponse response;
  grpc::ClientContext no_token;
  EXPECT_EQ(stub_->Identify(&no_token, request, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  expect_rejected(request, grpc::StatusCode::UNAUTHENTICATED, "expired", expired_token_for(customer()));

  std::string tampered = token_for(customer());
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  v1::IdentifyResponse ignored;
  EXPECT_EQ(identify(request, ignored, tampered).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(identify(request, ignored, "not.a.jwt").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IdentifyTest, OnlyCustomersMayIdentifyThemselves) {
  expect_rejected(sightings_request("r", 3), grpc::StatusCode::PERMISSION_DENIED, "does not accept role",
                  token_for("scanner-1", Role::kScanner, "demo-bistro"));
}

TEST_F(IdentifyTest, OversizedMessageIsResourceExhausted) {
  v1::IdentifyRequest request;
  request.set_request_id(std::string(200000, 'x'));
  v1::IdentifyResponse response;
  EXPECT_EQ(identify(request, response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(IdentifyTest, InvalidFieldsCarryBadRequestDetails) {
  v1::IdentifyRequest request;
  request.set_request_id("r");
  add_sighting(request, 3, 7);
  v1::IdentifyResponse response;
  const grpc::Status status = identify(request, response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // google.rpc.Status with a packed google.rpc.BadRequest naming the field.
  EXPECT_NE(status.error_details().find("type.googleapis.com/google.rpc.BadRequest"), std::string::npos);
  EXPECT_NE(status.error_details().find("sightings[0].rssi"), std::string::npos);
}

TEST_F(IdentifyTest, HealthServiceReportsServing) { EXPECT_EQ(health_status(*server_), "SERVING"); }

// Opens a TCP connection and tries a TLS handshake limited to `version`.
bool handshake_succeeds(int port, int version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>("\x02h2"), 3);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ok = ok && SSL_connect(ssl) == 1;
  SSL_free(ssl);
  close(fd);
  SSL_CTX_free(ctx);
  return ok;
}

TEST_F(IdentifyTest, Tls12HandshakeIsRefusedAndTls13Works) {
  EXPECT_FALSE(handshake_succeeds(server_->port(), TLS1_2_VERSION));
  EXPECT_TRUE(handshake_succeeds(server_->port(), TLS1_3_VERSION));
}

}  // namespace
}  // namespace tastesync::testing
