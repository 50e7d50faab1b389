// What /metrics counts matches what happened: a server with a ledger of its
// own is driven through every way of placing a customer (table QR, beacons,
// a store scanner's entrance code), with retries, and then each counter is
// compared with the ledger's rows and the calls' own answers.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "integration/https_client.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"
#include "store_scanner.grpc.pb.h"

namespace tastesync::testing {
namespace {

using application::Role;

struct Tally {
  std::map<std::string, int> identified;  // by signal: answered, not a replay
  std::map<std::string, int> replayed;    // by signal
};

class MetricsLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_server_dir("metrics-ledger");
    options_.postgres_url = start_postgres(dir_ / "postgres");
    server_ = std::make_unique<RunningServer>(options_);
    identify_ = v1::CustomerIdentification::NewStub(server_->channel());
    scanner_ = v1::StoreScanner::NewStub(server_->channel());
  }
  void TearDown() override {
    server_.reset();
    stop_postgres(dir_ / "postgres");
    std::filesystem::remove_all(dir_);
  }

  grpc::Status table_qr(const std::string& customer, int table, const std::string& request_id,
                        v1::IdentifyResponse& response) {
    v1::IdentifyRequest request;
    request.set_request_id(request_id);
    request.set_table_qr(signed_table_qr("demo-bistro", "table-" + std::to_string(table)));
    return identify_->Identify(authorized(token_for(customer)).get(), request, &response);
  }

  grpc::Status beacons(const std::string& customer, unsigned strongest_minor, const std::string& request_id,
                       v1::IdentifyResponse& response) {
    v1::IdentifyRequest request;
    request.set_request_id(request_id);
    add_demo_report(request, strongest_minor);
    return identify_->Identify(authorized(token_for(customer)).get(), request, &response);
  }

  grpc::Status entrance_code(const std::string& customer, const std::string& request_id, std::string& code,
                             v1::IdentifyResponse& response) {
    if (code.empty()) {
      auto issuer = v1::CustomerCredentials::NewStub(server_->channel());
      v1::IssueEntranceCodeResponse issued;
      const grpc::Status status = issuer->IssueEntranceCode(authorized(token_for(customer)).get(), {}, &issued);
      if (!status.ok()) return status;
      code = issued.code();
    }
    v1::ScanCustomerCodeRequest request;
    request.set_request_id(request_id);
    request.set_store_id("demo-bistro");
    request.set_code(code);
    return scanner_->ScanCustomerCode(authorized(token_for("door-demo", Role::kScanner, "demo-bistro")).get(), request,
                                      &response);
  }

  // customer_id_<name>{labels} now.
  double metric(const std::string& name, const std::vector<std::string>& labels) {
    HttpsClient client(server_->http_port());
    return metric_value(client.get("/metrics").body, name, labels);
  }

  // Rows of zone_transitions into a zone of `kind` ('entrance' or 'table').
  int ledger_transitions_into(const std::string& kind) {
    return std::stoi(psql(options_.postgres_url,
                          "SELECT count(*) FROM zone_transitions t JOIN zones z ON z.store_id = t.store_id AND "
                          "z.zone_id = t.to_zone_id WHERE z.kind = '" +
                              kind + "'"));
  }

  std::filesystem::path dir_;
  ServerOptions options_;
  std::unique_ptr<RunningServer> server_;
  std::unique_ptr<v1::CustomerIdentification::Stub> identify_;
  std::unique_ptr<v1::StoreScanner::Stub> scanner_;
};

TEST_F(MetricsLedgerTest, EveryCounterMatchesTheLedgerAndTheAnswers) {
  Tally tally;
  const auto answered = [&](const std::string& signal, const grpc::Status& status, bool replay) {
    ASSERT_TRUE(status.ok()) << signal << ": " << status.error_message();
    ++(replay ? tally.replayed : tally.identified)[signal];
  };
  v1::IdentifyResponse response;

  // Table QR: seated, moved, the move retried twice, scanned again where
  // they sit (nothing moves).
  answered("table_qr", table_qr("m-qr", 1, "m-qr-1", response), false);
  answered("table_qr", table_qr("m-qr", 2, "m-qr-2", response), false);
  answered("table_qr", table_qr("m-qr", 2, "m-qr-2", response), true);
  answered("table_qr", table_qr("m-qr", 2, "m-qr-2", response), true);
  answered("table_qr", table_qr("m-qr", 2, "m-qr-3", response), false);
  EXPECT_FALSE(response.location_changed());

  // Beacons: whatever the resolver decides over a few sightings, retried.
  for (int i = 0; i < 4; ++i) {
    answered("beacons", beacons("m-beacons", 3, "m-b-" + std::to_string(i), response), false);
  }
  answered("beacons", beacons("m-beacons", 3, "m-b-3", response), true);

  // A store scanner reads two customers' entrance codes; one scan retried.
  std::string code_a;
  std::string code_b;
  answered("entrance_code", entrance_code("m-door-a", "m-door-a-1", code_a, response), false);
  answered("entrance_code", entrance_code("m-door-a", "m-door-a-1", code_a, response), true);
  answered("entrance_code", entrance_code("m-door-b", "m-door-b-1", code_b, response), false);
  // ... and the second customer then sits down.
  answered("table_qr", table_qr("m-door-b", 4, "m-door-b-2", response), false);

  const int into_tables = ledger_transitions_into("table");
  const int into_entrance = ledger_transitions_into("entrance");
  EXPECT_GE(into_tables, 3) << "m-qr twice, m-door-b once (and m-beacons if it sat down)";
  EXPECT_GE(into_entrance, 2) << "the two entrance codes";
  EXPECT_EQ(metric("customer_id_transitions_total", {R"(to="table")"}), into_tables);
  EXPECT_EQ(metric("customer_id_transitions_total", {R"(to="entrance")"}), into_entrance);
  for (const std::string signal : {"table_qr", "beacons", "entrance_code"}) {
    SCOPED_TRACE(signal);
    EXPECT_EQ(metric("customer_id_identifications_total", {"signal=\"" + signal + "\"", R"(outcome="identified")"}),
              tally.identified[signal]);
    EXPECT_EQ(metric("customer_id_identifications_total", {"signal=\"" + signal + "\"", R"(outcome="replayed")"}),
              tally.replayed[signal]);
  }
}

TEST_F(MetricsLedgerTest, SightingsThatChangeNothingWaitForNoWorkerAndRetriesStillGetTheirFirstAnswer) {
  // Seated by a table QR at table 3; then the phone keeps hearing table 3's
  // beacon loudest: nothing moves, so each answer needs one Redis write and
  // no worker (the common case runs on gRPC's own thread, docs/life-of-an-identify.md).
  v1::IdentifyResponse response;
  ASSERT_TRUE(table_qr("m-still", 3, "m-still-qr", response).ok());
  // The store's first beacon sighting builds its zone model, on the pool.
  ASSERT_TRUE(beacons("m-still", 3, "m-still-first", response).ok());
  const auto pooled = [&] { return metric("customer_id_request_queue_wait_seconds_count", {}); };
  const double pooled_before = pooled();
  constexpr int kSightings = 10;
  for (int i = 0; i < kSightings; ++i) {
    const grpc::Status status = beacons("m-still", 3, "m-still-" + std::to_string(i), response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.location().zone_id(), "table-3");
    EXPECT_FALSE(response.location_changed());
  }
  EXPECT_EQ(pooled(), pooled_before) << "sightings that change nothing waited for a worker";
  EXPECT_EQ(metric("customer_id_identifications_total", {R"(signal="beacons")", R"(outcome="identified")"}),
            kSightings + 1);
  // A retry of one of them: its first answer, replayed (the retry itself goes
  // the blocking way, as the write finds the answer kept).
  v1::IdentifyResponse retried;
  const grpc::Status status = beacons("m-still", 3, "m-still-4", retried);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(retried.location().zone_id(), "table-3");
  EXPECT_EQ(metric("customer_id_identifications_total", {R"(signal="beacons")", R"(outcome="replayed")"}), 1);
  EXPECT_EQ(ledger_transitions_into("table"), 1);

  // The same over HTTPS/JSON, for another customer (each has a rate limit):
  // the route begins the same way.
  ASSERT_TRUE(table_qr("m-still-https", 3, "m-still-https-qr", response).ok());
  HttpsClient client(server_->http_port());
  const double pooled_before_https = pooled();
  for (int i = 0; i < kSightings; ++i) {
    std::string sightings;
    for (unsigned minor = 0; minor <= 4; ++minor) {
      if (!sightings.empty()) sightings += ',';
      sightings += R"({"uuid":")" + std::string(kDemoUuid) + R"(","major":)" + std::to_string(kDemoMajor) +
                   R"(,"minor":)" + std::to_string(minor) + R"(,"rssi":)" + (minor == 3 ? "-50" : "-85") + "}";
    }
    const std::string body =
        R"({"requestId":"m-still-https-)" + std::to_string(i) + R"(","beacons":{"sightings":[)" + sightings + "]}}";
    const HttpAnswer answer = client.post("/v1/identify", body, token_for("m-still-https"));
    ASSERT_EQ(answer.status, 200) << answer.body << answer.error;
    EXPECT_NE(answer.body.find(R"("zoneId":"table-3")"), std::string::npos) << answer.body;
  }
  EXPECT_EQ(pooled(), pooled_before_https) << "sightings that change nothing waited for a worker over HTTPS";
}

TEST_F(MetricsLedgerTest, WithoutThisInstancesCopySightingsThatChangeNothingStillWaitForNoWorker) {
  // Seated, then a restart on a server that keeps no copies
  // (redis.presence_cache_capacity 0): every sighting is of a customer this
  // instance holds nothing of, as after a restart or a reroute. The record
  // is read and written without a waiting thread all the same.
  v1::IdentifyResponse response;
  ASSERT_TRUE(table_qr("m-cold", 3, "m-cold-qr", response).ok());
  server_.reset();
  options_.environment["CUSTOMER_ID_REDIS_PRESENCE_CACHE_CAPACITY"] = "0";
  server_ = std::make_unique<RunningServer>(options_);
  identify_ = v1::CustomerIdentification::NewStub(server_->channel());
  // The first may have to ask the ledger (a new instance vouches for no
  // record it has not confirmed itself).
  ASSERT_TRUE(beacons("m-cold", 3, "m-cold-0", response).ok());
  const auto pooled = [&] { return metric("customer_id_request_queue_wait_seconds_count", {}); };
  const double pooled_before = pooled();
  constexpr int kSightings = 10;
  for (int i = 1; i <= kSightings; ++i) {
    const grpc::Status status = beacons("m-cold", 3, "m-cold-" + std::to_string(i), response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.location().zone_id(), "table-3");
    EXPECT_FALSE(response.location_changed());
  }
  EXPECT_EQ(pooled(), pooled_before) << "sightings read from Redis waited for a worker";
  // A retry gets its first answer (read without waiting, replayed the blocking way).
  v1::IdentifyResponse retried;
  ASSERT_TRUE(beacons("m-cold", 3, "m-cold-4", retried).ok());
  EXPECT_EQ(retried.location().zone_id(), "table-3");
  EXPECT_EQ(metric("customer_id_identifications_total", {R"(signal="beacons")", R"(outcome="replayed")"}), 1);
  EXPECT_EQ(ledger_transitions_into("table"), 1);
}

}  // namespace
}  // namespace tastesync::testing
