// Ways 3 and 4 against the real server binary: a store scanner hears a
// customer's phone advertise its rotating iBeacon id, or reads the entrance
// code the customer's app shows. Real TLS, real RS256 tokens, PostgreSQL
// (phone secrets) and Redis (one-time claims).

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <regex>
#include <string>

#include "auth/key_files.h"
#include "infrastructure/crypto/customer_code_codec.h"
#include "infrastructure/crypto/rotating_beacon_id.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"
#include "store_scanner.grpc.pb.h"

namespace tastesync::testing {
namespace {

using application::Role;
using grpc::StatusCode;

constexpr const char* kStore = "demo-bistro";
constexpr std::chrono::seconds kPeriod{120};  // phone_beacon.rotation_period_seconds default

class StoreScannerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RunningServer(); }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0) << "the server should exit cleanly on SIGTERM";
    delete server_;
  }
  void SetUp() override {
    ASSERT_GT(server_->port(), 0);
    scanner_ = v1::StoreScanner::NewStub(server_->channel());
    credentials_ = v1::CustomerCredentials::NewStub(server_->channel());
    customer_ = unique_customer(std::string("sc-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  static std::string scanner_token(const std::string& store = kStore) {
    return token_for("door-" + store, Role::kScanner, store);
  }
  std::string customer_token() const { return token_for(customer_); }

  // Registers a phone for this test's customer; returns its secret.
  std::string register_phone() {
    v1::RegisterPhoneResponse phone;
    const grpc::Status status = credentials_->RegisterPhone(authorized(customer_token()).get(), {}, &phone);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(phone.secret().size(), 32u);
    EXPECT_FALSE(phone.device_id().empty());
    EXPECT_EQ(phone.rotation_period_seconds(), static_cast<unsigned>(kPeriod.count()));
    EXPECT_EQ(phone.advertise_uuid().size(), 36u);
    return phone.secret();
  }

  static infrastructure::RotatingBeaconId id_of(const std::string& secret, int windows_from_now = 0) {
    const auto counter = infrastructure::rotation_counter(std::chrono::system_clock::now(), kPeriod);
    return *infrastructure::rotating_beacon_id(secret, counter + windows_from_now);
  }

  grpc::Status report(const infrastructure::RotatingBeaconId& id, v1::IdentifyResponse& response,
                      const std::string& token = scanner_token(), const std::string& store = kStore,
                      std::string request_id = "") {
    v1::ReportPhoneBeaconRequest request;
    request.set_request_id(request_id.empty() ? next_request_id() : request_id);
    request.set_store_id(store);
    request.set_major(id.major);
    request.set_minor(id.minor);
    request.set_rssi(-60);
    return scanner_->ReportPhoneBeacon(authorized(token).get(), request, &response);
  }

  std::string issue_code() {
    v1::IssueEntranceCodeResponse code;
    const grpc::Status status = credentials_->IssueEntranceCode(authorized(customer_token()).get(), {}, &code);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(code.has_expires_at());
    return code.code();
  }

  grpc::Status scan(const std::string& code, v1::IdentifyResponse& response, const std::string& token = scanner_token(),
                    const std::string& store = kStore, std::string request_id = "") {
    v1::ScanCustomerCodeRequest request;
    request.set_request_id(request_id.empty() ? next_request_id() : request_id);
    request.set_store_id(store);
    request.set_code(code);
    return scanner_->ScanCustomerCode(authorized(token).get(), request, &response);
  }

  std::string next_request_id() { return customer_ + "-" + std::to_string(++sent_); }

  static void expect_status(const grpc::Status& status, StatusCode code, const std::string& needle) {
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_NE(status.error_message().find(needle), std::string::npos)
        << "message '" << status.error_message() << "' should mention '" << needle << "'";
  }

  static RunningServer* server_;
  std::unique_ptr<v1::StoreScanner::Stub> scanner_;
  std::unique_ptr<v1::CustomerCredentials::Stub> credentials_;
  std::string customer_;
  int sent_ = 0;
};

RunningServer* StoreScannerTest::server_ = nullptr;

// ---- way 3: the scanner hears the customer's phone ------------------------------

TEST_F(StoreScannerTest, ScannerHearingAPhoneIdentifiesItsCustomerAtTheEntrance) {
  const std::string secret = register_phone();
  v1::IdentifyResponse response;
  const grpc::Status status = report(id_of(secret), response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.customer_id(), customer_);
  EXPECT_EQ(response.location().store_id(), kStore);
  EXPECT_EQ(response.location().zone_id(), "entrance");
  EXPECT_EQ(response.location().zone_kind(), v1::ENTRANCE);
  EXPECT_TRUE(response.location_changed());
  EXPECT_EQ(response.event_ids_size(), 2);  // CustomerIdentified, CustomerEnteredStore

  // The phone keeps advertising while the customer waits: same store, same
  // window, nothing new.
  v1::IdentifyResponse again;
  ASSERT_TRUE(report(id_of(secret), again).ok());
  EXPECT_EQ(again.customer_id(), customer_);
  EXPECT_FALSE(again.location_changed());
  EXPECT_EQ(again.event_ids_size(), 0);
}

TEST_F(StoreScannerTest, NeighbouringWindowsAreAcceptedForClockSkew) {
  const std::string secret = register_phone();
  v1::IdentifyResponse response;
  ASSERT_TRUE(report(id_of(secret, -1), response).ok());
  EXPECT_EQ(response.customer_id(), customer_);
  ASSERT_TRUE(report(id_of(secret, +1), response).ok());
  EXPECT_EQ(response.customer_id(), customer_);
}

TEST_F(StoreScannerTest, RetryWithTheSameRequestIdGetsTheFirstAnswer) {
  const std::string secret = register_phone();
  v1::IdentifyResponse first;
  v1::IdentifyResponse retry;
  ASSERT_TRUE(report(id_of(secret), first, scanner_token(), kStore, customer_ + "-once").ok());
  ASSERT_TRUE(report(id_of(secret), retry, scanner_token(), kStore, customer_ + "-once").ok());
  EXPECT_TRUE(retry.location_changed());
  EXPECT_EQ(retry.event_ids_size(), first.event_ids_size());
  EXPECT_EQ(retry.event_ids(0), first.event_ids(0));
}

TEST_F(StoreScannerTest, StaleIdIsNotFound) {
  const std::string secret = register_phone();
  v1::IdentifyResponse response;
  expect_status(report(id_of(secret, -5), response), StatusCode::NOT_FOUND, "no registered phone");
  expect_status(report(id_of(secret, +5), response), StatusCode::NOT_FOUND, "no registered phone");
}

TEST_F(StoreScannerTest, UnknownIdIsNotFound) {
  v1::IdentifyResponse response;
  expect_status(report(id_of(std::string(32, '\x42')), response), StatusCode::NOT_FOUND, "stale or replayed");
}

TEST_F(StoreScannerTest, ClonedIdInASecondStoreIdentifiesNoOne) {
  const std::string secret = register_phone();
  v1::IdentifyResponse response;
  ASSERT_TRUE(report(id_of(secret), response).ok());
  // Someone recorded the advertisement and replays it across town.
  expect_status(report(id_of(secret), response, scanner_token("demo-cafe"), "demo-cafe"), StatusCode::PERMISSION_DENIED,
                "already seen in another store");
  // The genuine store keeps recognising the phone.
  ASSERT_TRUE(report(id_of(secret), response).ok());
  EXPECT_EQ(response.customer_id(), customer_);
}

TEST_F(StoreScannerTest, ScannerOfAnotherStoreMayNotReportForThisOne) {
  const std::string secret = register_phone();
  v1::IdentifyResponse response;
  expect_status(report(id_of(secret), response, scanner_token("demo-cafe"), kStore), StatusCode::PERMISSION_DENIED,
                "bound to store 'demo-cafe'");
  expect_status(scan(issue_code(), response, scanner_token("demo-cafe"), kStore), StatusCode::PERMISSION_DENIED,
                "bound to store 'demo-cafe'");
}

TEST_F(StoreScannerTest, OnlyScannersMayReport) {
  const std::string secret = register_phone();
  v1::IdentifyResponse response;
  expect_status(report(id_of(secret), response, customer_token()), StatusCode::PERMISSION_DENIED,
                "does not accept role");
  expect_status(scan(issue_code(), response, customer_token()), StatusCode::PERMISSION_DENIED, "does not accept role");
  expect_status(report(id_of(secret), response, token_for("ops", Role::kAdmin)), StatusCode::PERMISSION_DENIED,
                "does not accept role");
  expect_status(report(id_of(secret), response, expired_token_for(customer_)), StatusCode::UNAUTHENTICATED, "");
}

TEST_F(StoreScannerTest, ASeatedCustomerStaysSeatedWhenTheDoorScannerHearsThem) {
  const std::string secret = register_phone();
  DemoCaller phone(*server_, customer_);
  std::vector<std::string> events;
  ASSERT_TRUE(phone.move_to(3, events).ok());
  v1::IdentifyResponse response;
  ASSERT_TRUE(report(id_of(secret), response).ok());
  EXPECT_EQ(response.location().zone_id(), "table-3");
  EXPECT_FALSE(response.location_changed());
}

TEST_F(StoreScannerTest, BadPhoneReportsAreInvalidArgumentsNamingTheField) {
  auto bad = [&](auto edit, const std::string& needle) {
    v1::ReportPhoneBeaconRequest request;
    request.set_request_id(next_request_id());
    request.set_store_id(kStore);
    request.set_major(1);
    request.set_minor(2);
    request.set_rssi(-60);
    edit(request);
    v1::IdentifyResponse response;
    expect_status(scanner_->ReportPhoneBeacon(authorized(scanner_token()).get(), request, &response),
                  StatusCode::INVALID_ARGUMENT, needle);
  };
  bad([](auto& r) { r.set_major(65536); }, "major");
  bad([](auto& r) { r.set_minor(4000000000u); }, "minor");
  bad([](auto& r) { r.set_rssi(0); }, "rssi");
  bad([](auto& r) { r.set_rssi(-200); }, "rssi");
  bad([](auto& r) { r.clear_request_id(); }, "request_id");
  bad([](auto& r) { r.set_request_id(std::string(129, 'x')); }, "request_id");
  bad([](auto& r) { r.set_request_id("has space"); }, "request_id");
  bad([](auto& r) { r.clear_store_id(); }, "store_id");
  bad([](auto& r) { r.mutable_observed_at()->set_seconds(1); }, "observed_at");
  bad([](auto& r) { r.mutable_observed_at()->set_nanos(-5); }, "observed_at");
}

// ---- way 4: the scanner reads the customer's entrance code ---------------------------

TEST_F(StoreScannerTest, EntranceCodeIdentifiesTheCustomerOnce) {
  const std::string code = issue_code();
  v1::IdentifyResponse response;
  const grpc::Status status = scan(code, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.customer_id(), customer_);
  EXPECT_EQ(response.location().zone_id(), "entrance");
  EXPECT_TRUE(response.location_changed());
  EXPECT_EQ(response.event_ids_size(), 2);
  EXPECT_DOUBLE_EQ(response.confidence(), 1.0);

  // A photo of the screen, shown again: here, or at another scanner.
  expect_status(scan(code, response), StatusCode::ALREADY_EXISTS, "already used");
  expect_status(scan(code, response, token_for("door-2", Role::kScanner, kStore)), StatusCode::ALREADY_EXISTS,
                "already used");
}

TEST_F(StoreScannerTest, RetryOfTheScanThatUsedTheCodeGetsTheFirstAnswer) {
  const std::string code = issue_code();
  v1::IdentifyResponse first;
  v1::IdentifyResponse retry;
  ASSERT_TRUE(scan(code, first, scanner_token(), kStore, customer_ + "-scan").ok());
  ASSERT_TRUE(scan(code, retry, scanner_token(), kStore, customer_ + "-scan").ok());
  EXPECT_EQ(retry.event_ids_size(), first.event_ids_size());
  // The same request_id with another body is refused, as for Identify.
  expect_status(scan(issue_code(), retry, scanner_token(), kStore, customer_ + "-scan"), StatusCode::INVALID_ARGUMENT,
                "different request");
}

TEST_F(StoreScannerTest, ExpiredCodeIsRejected) {
  auto secret = auth::read_hex_secret_file(dev_keys_dir() / "cc-dev-1.secret", 32);
  ASSERT_TRUE(secret) << secret.error().message;
  auto codec = infrastructure::HmacCustomerCodeCodec::create(
      infrastructure::HmacKeyRing({{"cc-dev-1", *secret}}, "cc-dev-1"), std::chrono::seconds(60));
  ASSERT_TRUE(codec);
  auto old = (*codec)->issue(customer_, std::chrono::system_clock::now() - std::chrono::minutes(10));
  ASSERT_TRUE(old);
  v1::IdentifyResponse response;
  expect_status(scan(old->code, response), StatusCode::INVALID_ARGUMENT, "expired");
}

TEST_F(StoreScannerTest, ForgedOrAlteredCodesAreRejected) {
  auto forger = infrastructure::HmacCustomerCodeCodec::create(
      infrastructure::HmacKeyRing({{"cc-dev-1", std::string(32, '\x07')}}, "cc-dev-1"), std::chrono::seconds(60));
  ASSERT_TRUE(forger);
  auto forged = (*forger)->issue(customer_, std::chrono::system_clock::now());
  ASSERT_TRUE(forged);
  v1::IdentifyResponse response;
  expect_status(scan(forged->code, response), StatusCode::INVALID_ARGUMENT, "signature does not match");

  std::string altered = issue_code();
  altered[7] = altered[7] == 'A' ? 'B' : 'A';  // inside the customer id
  expect_status(scan(altered, response), StatusCode::INVALID_ARGUMENT, "code");
}

TEST_F(StoreScannerTest, BadCodeScansAreInvalidArgumentsNamingTheField) {
  v1::IdentifyResponse response;
  expect_status(scan("", response), StatusCode::INVALID_ARGUMENT, "code: customer code is empty");
  expect_status(scan("not a code", response), StatusCode::INVALID_ARGUMENT, "code:");
  expect_status(scan(std::string(600, 'A'), response), StatusCode::INVALID_ARGUMENT, "longer than 512");
  expect_status(scan("TSCC1.*.1.AA.cc-dev-1.AA", response), StatusCode::INVALID_ARGUMENT, "base64url");
  expect_status(scan("TSCC1.YQ.1.AA.x'; DROP TABLE visits;--.AA", response), StatusCode::INVALID_ARGUMENT,
                "key id is malformed");
  expect_status(scan(issue_code(), response, scanner_token(), ""), StatusCode::INVALID_ARGUMENT, "store_id");
}

// ---- the customer's side ------------------------------------------------------------

TEST_F(StoreScannerTest, OnlyTheCustomerMayRegisterAPhoneOrGetACode) {
  v1::RegisterPhoneResponse phone;
  expect_status(credentials_->RegisterPhone(authorized(scanner_token()).get(), {}, &phone),
                StatusCode::PERMISSION_DENIED, "does not accept role");
  v1::IssueEntranceCodeResponse code;
  expect_status(credentials_->IssueEntranceCode(authorized(token_for("ops", Role::kAdmin)).get(), {}, &code),
                StatusCode::PERMISSION_DENIED, "does not accept role");
  grpc::ClientContext anonymous;
  expect_status(credentials_->IssueEntranceCode(&anonymous, {}, &code), StatusCode::UNAUTHENTICATED, "authorization");
}

TEST_F(StoreScannerTest, PhoneSecretsAreSealedAtRest) {
  const std::string secret = register_phone();
  std::string secret_hex;
  for (const char c : secret) {
    static constexpr char kDigits[] = "0123456789abcdef";
    secret_hex.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    secret_hex.push_back(kDigits[static_cast<unsigned char>(c) & 0x0f]);
  }
  const std::string stored = psql(postgres_url(),
                                  "SELECT encode(secret, 'hex') || ' ' || secret_key_id FROM "
                                  "customer_devices WHERE customer_id = '" +
                                      customer_ + "'");
  // nonce (12) + ciphertext (32) + tag (16), under the personal-data key.
  EXPECT_EQ(stored.size(), 60u * 2 + std::string(" pii-dev-1").size()) << stored;
  EXPECT_EQ(stored.find(secret_hex.substr(0, 16)), std::string::npos) << "the secret is stored in the clear";
  EXPECT_TRUE(stored.ends_with(" pii-dev-1")) << stored;
}

// The README's calls, verbatim but for the server address.
TEST_F(StoreScannerTest, ReadmeCommandLinesWork) {
  const std::string ctl = CID_CTL_BINARY;
  const std::string server = " --server localhost:" + std::to_string(server_->port());
  const std::string script =
      "set -e; cd '" + source_dir().string() + "'; CUSTOMER=$(" + ctl + " token --customer " + customer_ +
      "); SCANNER=$(" + ctl + " token --customer door-1 --role scanner --store demo-bistro); " + ctl +
      " scan --token \"$SCANNER\" --store demo-bistro --code \"$(" + ctl + " entrance-code --token \"$CUSTOMER\"" +
      server + ")\"" + server + "; SECRET=$(" + ctl + " register-phone --token \"$CUSTOMER\" --secret-only" + server +
      "); " + ctl + " scan --token \"$SCANNER\" --store demo-bistro --phone \"$(" + ctl +
      " phone-id --secret \"$SECRET\")\"" + server;
  FILE* pipe = popen(("bash -c '" + std::regex_replace(script, std::regex("'"), "'\\''") + "' 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 512> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  EXPECT_EQ(pclose(pipe), 0) << output;
  // Both scans answer with the customer at the entrance; the second finds them already there.
  EXPECT_NE(output.find("\"customerId\":\"" + customer_ + "\""), std::string::npos) << output;
  EXPECT_NE(output.find("\"zoneId\":\"entrance\""), std::string::npos) << output;
  EXPECT_NE(output.find("\"locationChanged\":false"), std::string::npos) << output;
}

// The CLI finds the server in CUSTOMER_ID_SERVER, names a failed call's
// status, and says so when it was pointed at the HTTPS/JSON port.
TEST_F(StoreScannerTest, CtlReadsTheServerFromTheEnvironmentAndHintsAtTheHttpsPort) {
  const std::string ctl = CID_CTL_BINARY;
  const auto run = [&](const std::string& port) {
    const std::string command = "cd '" + source_dir().string() + "' && CUSTOMER_ID_SERVER=localhost:" + port + " " +
                                ctl + " entrance-code --token " + token_for(customer_) + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    std::array<char, 512> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
    const int status = pclose(pipe);
    return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, output);
  };
  const auto grpc_port = run(std::to_string(server_->port()));
  EXPECT_EQ(grpc_port.first, 0) << grpc_port.second;
  const auto https_port = run(std::to_string(server_->http_port()));
  EXPECT_EQ(https_port.first, 1) << https_port.second;
  EXPECT_NE(https_port.second.find("UNAVAILABLE: "), std::string::npos) << https_port.second;
  EXPECT_NE(https_port.second.find("hint: localhost:" + std::to_string(server_->http_port()) +
                                   " looks like the HTTPS/JSON port"),
            std::string::npos)
      << https_port.second;
}

// POST /v1/me/phones returns the secret as base64 (protobuf's JSON for
// bytes), register-phone prints hex: phone-id takes either.
TEST(CustomerIdCtl, PhoneIdTakesTheSecretInHexOrBase64) {
  const std::string ctl = CID_CTL_BINARY;
  const std::string hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  const std::string base64 = "ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=";
  auto run = [&](const std::string& secret) {
    FILE* pipe = popen((ctl + " phone-id --at 1000000 --secret '" + secret + "' 2>&1").c_str(), "r");
    std::string output;
    std::array<char, 256> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
    const int status = pclose(pipe);
    return std::make_pair(status, output);
  };
  const auto from_hex = run(hex);
  const auto from_base64 = run(base64);
  EXPECT_EQ(from_hex.first, 0) << from_hex.second;
  EXPECT_EQ(from_base64.first, 0) << from_base64.second;
  EXPECT_EQ(from_hex.second, from_base64.second);
  const auto bad = run("not a secret!");
  EXPECT_NE(bad.first, 0);
  EXPECT_NE(bad.second.find("neither hex nor base64"), std::string::npos) << bad.second;
}

TEST_F(StoreScannerTest, ACustomerHasAtMostFivePhones) {
  for (int i = 0; i < 5; ++i) register_phone();
  v1::RegisterPhoneResponse phone;
  expect_status(credentials_->RegisterPhone(authorized(customer_token()).get(), {}, &phone),
                StatusCode::FAILED_PRECONDITION, "already has 5 phones");
}

// One-time claims live only in Redis: without it a code could be used once
// per instance, so the scanner RPCs fail closed rather than fall back.
TEST(StoreScannerRedisOutage, ScannerReportsFailClosedWhileRedisIsDown) {
  const auto dir = make_server_dir("scanner-redis-outage");
  ServerOptions options;
  options.redis_url = start_redis(dir / "redis");
  RunningServer server(options);
  const std::string customer = unique_customer("scanner-outage");
  auto credentials = v1::CustomerCredentials::NewStub(server.channel());
  auto scanner = v1::StoreScanner::NewStub(server.channel());
  v1::IssueEntranceCodeResponse code;
  ASSERT_TRUE(credentials->IssueEntranceCode(authorized(token_for(customer)).get(), {}, &code).ok());

  stop_redis(dir / "redis");
  v1::ScanCustomerCodeRequest request;
  request.set_request_id(customer + "-1");
  request.set_store_id(kStore);
  request.set_code(code.code());
  v1::IdentifyResponse response;
  const grpc::Status status =
      scanner->ScanCustomerCode(authorized(token_for("door-1", Role::kScanner, kStore)).get(), request, &response);
  EXPECT_EQ(status.error_code(), StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(server.stop(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tastesync::testing
