// The Admin gRPC adapter in-process over loopback: authentication, message
// mapping and error mapping. The rules themselves are admin_use_cases_test's.

#include "infrastructure/grpc/admin_service.h"

#include <gtest/gtest.h>

#include <map>

#include "error_details.pb.h"
#include "infrastructure/crypto/table_qr_codec.h"
#include "infrastructure/grpc/grpc_server.h"
#include "infrastructure/qr/qr_png.h"
#include "mocks/fake_tokens.h"
#include "mocks/in_memory_ports.h"
#include "mocks/in_memory_registry_admin.h"
#include "status.pb.h"
#include "support/grpc_released_at_exit.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
using application::Principal;
using application::Role;

domain::FloorPlan empty_plan() { return *domain::FloorPlan::build({}, {}); }

class AdminGrpcServiceTest : public ::testing::Test {
 protected:
  AdminGrpcServiceTest()
      : registry_(empty_plan()),
        registry_admin_(registry_),
        codec_(HmacKeyRing({{"qr-1", std::string(32, '\x11')}}, "qr-1")),
        admin_(registry_admin_, registry_, customers_, ledger_, codec_, png_),
        service_(RpcUseCases{.admin = &admin_}, RpcGate{.tokens = tokens_}) {}

  void SetUp() override {
    GrpcServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls.enabled = false;
    auto running = start_grpc_server(options, {&service_});
    ASSERT_TRUE(running.has_value()) << running.error().message;
    server_ = std::move(running->server);
    stub_ = v1::Admin::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(running->port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> as(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return context;
  }

  grpc::Status create_store(const std::string& token, const std::string& id, const std::string& name) {
    v1::CreateStoreRequest request;
    request.set_store_id(id);
    request.set_name(name);
    v1::CreateStoreResponse response;
    return stub_->CreateStore(as(token).get(), request, &response);
  }

  grpc::Status add_zone(const std::string& zone_id, v1::ZoneKind kind) {
    v1::AddZoneRequest request;
    request.set_store_id("bistro");
    request.set_zone_id(zone_id);
    request.set_kind(kind);
    request.set_label("Label " + zone_id);
    v1::AddZoneResponse response;
    return stub_->AddZone(as("admin").get(), request, &response);
  }

  testing::InMemoryBeaconRegistry registry_;
  testing::InMemoryRegistryAdmin registry_admin_;
  testing::InMemoryCustomerDirectory customers_;
  testing::InMemoryVisitLedger ledger_;
  HmacTableQrCodec codec_;
  QrPngRenderer png_;
  testing::FakeTokens tokens_ = testing::FakeTokens::admin_staff_and_alice();
  application::AdminUseCases admin_;
  AdminGrpcService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Admin::Stub> stub_;
};

TEST_F(AdminGrpcServiceTest, AuthenticatesEveryCall) {
  EXPECT_EQ(create_store("", "bistro", "Bistro").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(create_store("forged", "bistro", "Bistro").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(create_store("staff", "bistro", "Bistro").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(create_store("admin", "bistro", "Bistro").ok());
  EXPECT_EQ(create_store("admin", "bistro", "Bistro").error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(AdminGrpcServiceTest, BadFieldsTravelAsBadRequestDetails) {
  const grpc::Status status = create_store("admin", "'; DROP TABLE stores; --", "Bistro");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "store_id");
}

TEST_F(AdminGrpcServiceTest, MapsZonesQrCodesAndPresence) {
  ASSERT_TRUE(create_store("admin", "bistro", "Bistro").ok());
  EXPECT_EQ(add_zone("x", v1::ZONE_KIND_UNSPECIFIED).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(add_zone("entrance", v1::ENTRANCE).ok());
  ASSERT_TRUE(add_zone("table-1", v1::TABLE).ok());
  EXPECT_EQ(registry_.current()->find_zone("bistro", "entrance")->kind, domain::ZoneKind::kEntrance);

  v1::RegisterBeaconRequest beacon;
  beacon.set_uuid("f7826da6-4fa2-4e98-8024-bc5b71e0893e");
  beacon.set_major(100);
  beacon.set_minor(70000);  // beyond uint16: must not wrap to 4464
  beacon.set_store_id("bistro");
  beacon.set_zone_id("table-1");
  v1::RegisterBeaconResponse registered;
  EXPECT_EQ(stub_->RegisterBeacon(as("admin").get(), beacon, &registered).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::IssueTableQrRequest issue;
  issue.set_store_id("bistro");
  issue.set_zone_id("table-1");
  v1::IssueTableQrResponse qr;
  ASSERT_TRUE(stub_->IssueTableQr(as("admin").get(), issue, &qr).ok());
  EXPECT_TRUE(codec_.verify(qr.payload()).has_value());
  EXPECT_EQ(qr.png().substr(0, 4), "\x89PNG");

  domain::Presence presence{"v1",
                            "bistro",
                            "table-1",
                            domain::ZoneKind::kTable,
                            domain::Timestamp(std::chrono::seconds(1000)),
                            domain::Timestamp(std::chrono::milliseconds(1100250)),
                            domain::Timestamp(std::chrono::seconds(1200))};
  ASSERT_TRUE(ledger_.record("alice", std::nullopt, presence, {}, std::nullopt).has_value());
  v1::GetStorePresenceRequest which;
  which.set_store_id("bistro");
  v1::GetStorePresenceResponse present;
  ASSERT_TRUE(stub_->GetStorePresence(as("staff").get(), which, &present).ok());
  ASSERT_EQ(present.customers_size(), 1);
  EXPECT_EQ(present.customers(0).customer_id(), "alice");
  EXPECT_EQ(present.customers(0).zone_kind(), v1::TABLE);
  EXPECT_EQ(present.customers(0).table_label(), "Label table-1");
  EXPECT_EQ(present.customers(0).since().seconds(), 1100);
  EXPECT_EQ(present.customers(0).since().nanos(), 250000000);

  v1::ListCustomerVisitsRequest mine;
  mine.set_customer_id("alice");
  mine.set_limit(10);
  v1::ListCustomerVisitsResponse visits;
  ASSERT_TRUE(stub_->ListCustomerVisits(as("alice").get(), mine, &visits).ok());
  ASSERT_EQ(visits.visits_size(), 1);
  EXPECT_EQ(visits.visits(0).visit_id(), "v1");
  EXPECT_EQ(visits.visits(0).entered_at().seconds(), 1000);
  EXPECT_FALSE(visits.visits(0).has_left_at());
  ASSERT_EQ(visits.visits(0).zones_size(), 1);
  EXPECT_EQ(visits.visits(0).zones(0).zone_id(), "table-1");
}

}  // namespace
}  // namespace tastesync::infrastructure::grpc_adapter
